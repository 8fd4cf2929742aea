import numpy as np
import pytest

from videobert.corpus import Sentence, VideoRecord
from videobert.model.init import minilm_dir
from videobert.model.tokenizer import JointTokenizer

WORDS = "cut the onion slice tomato stir pan add salt pour oil mix bowl fry egg".split()


@pytest.fixture(scope="session")
def tokenizer():
    from transformers import BertTokenizerFast

    return JointTokenizer(BertTokenizerFast.from_pretrained(str(minilm_dir())), num_visual=50)


def make_record(vid: str, n_clips: int, sentences: list[tuple[str, float, float]], seed: int = 0) -> VideoRecord:
    rng = np.random.default_rng(seed)
    return VideoRecord(vid, f"{vid}.mp4", n_clips * 1.5, np.arange(n_clips) * 1.5,
                       rng.standard_normal((n_clips, 8)).astype(np.float16), [Sentence(*s) for s in sentences])


def random_videos(tokenizer, n_videos=6, n_clips=40, seed=0):
    """VideoData with sentences every few clips and some silent stretches."""
    from videobert.data import video_data

    rng = np.random.default_rng(seed)
    out = []
    for v in range(n_videos):
        sents, t = [], 0.0
        while t < n_clips * 1.5 - 6:
            if rng.random() < 0.2:  # a silent gap
                t += 30.0
                continue
            d = float(rng.uniform(1.5, 6))
            sents.append((" ".join(rng.choice(WORDS, size=int(rng.integers(3, 12)))), t, t + d))
            t += d
        rec = make_record(f"vid{v}", n_clips, sents, seed=v)
        out.append(video_data(rec, rng.integers(0, tokenizer.num_visual, size=n_clips), tokenizer))
    return out
