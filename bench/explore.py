"""Benchmark: `videobert explore` on a corpus of thousands of videos (issue 15's "fast at scale").

    python bench/explore.py [--videos 1000 5000] [--clips 60] [--threads 2] [--work DIR]

A simulated corpus per size (random clip features around 40 centres, narrated sentences of
realistic length; no decoding, so the media and exemplar GIF routes are not measured here:
those cost a few frames each, whatever the corpus size), a 2 x 12 vocabulary (`videobert
vocab`), a tiny random VideoBERT for search. Measured per size, in one process: the explorer's
first start (index build, cached) and its second (index read), peak RSS, and the latency of
each page through Flask's test client (median of 5 requests; search: the first request of a
query, which runs the model's re-ranking, and a repeat, served from the cache).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

WORDS = ("cut stir pour peel wash fry the tomato onion carrot potato egg pepper bread cheese small big "
         "red green bowl plate pot now let's put it in on and then okay").split()


def make_corpus(root: Path, videos: int, clips: int, seed: int = 0) -> None:
    from videobert.corpus import Corpus, Sentence, VideoRecord

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, 64)).astype(np.float32)
    corpus = Corpus(root)
    corpus.init({"backbone": "synthetic", "feature_dim": 64, "clip_frames": 30, "fps": 20})
    for v in range(videos):
        n = int(rng.integers(clips // 2, clips * 3 // 2))
        feats = centres[rng.integers(40, size=n)] + 0.3 * rng.standard_normal((n, 64), dtype=np.float32)
        sents, t = [], 0.0
        while t < n * 1.5 - 4:
            words = " ".join(rng.choice(WORDS, size=int(rng.integers(4, 12))))
            sents.append(Sentence(words, t, t + 3.0))
            t += float(rng.uniform(4, 12))
        corpus.write(VideoRecord(video_id=f"v{v:06d}", source=f"/nonexistent/v{v:06d}.mp4", duration=n * 1.5,
                                 clip_starts=np.arange(n) * 1.5, features=feats.astype(np.float16), sentences=sents))


def latency(client, url: str, reps: int = 5) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (url, r.status_code)
    return statistics.median(times)


def measure(work: Path, videos: int, clips: int) -> dict:
    from videobert.explore import Explorer
    from videobert.explore.server import create_app
    from videobert.model import VideoBERT
    from videobert.vocab import VocabConfig, build_vocab

    root = work / f"corpus-{videos}"
    t = time.perf_counter()
    if not (root / "manifest.json").is_file():
        make_corpus(root, videos, clips)
    vocab = build_vocab(root, VocabConfig(levels=2, k=12))
    model_dir = work / f"model-{videos}"
    if not model_dir.is_dir():
        VideoBERT.create("scratch", vocab, {}, size="tiny", seed=0).save_pretrained(model_dir)
    made = time.perf_counter() - t
    cache = work / f"cache-{videos}"
    t = time.perf_counter()
    Explorer(root, model_path=model_dir, cache_dir=cache)
    first = time.perf_counter() - t
    t = time.perf_counter()
    ex = Explorer(root, model_path=model_dir, cache_dir=cache)
    second = time.perf_counter() - t
    client = create_app(ex).test_client()
    ids = list(ex.videos)
    pages = ex.video_page(1)["pages"]
    out = {"videos": videos, "clips": sum(len(v["tokens"]) for v in ex.videos.values()),
           "sentences": sum(len(v["sentences"]) for v in ex.videos.values()), "made_s": made,
           "first_start_s": first, "second_start_s": second,
           "vocab_ms": 1e3 * latency(client, "/vocab"), "videos_ms": 1e3 * latency(client, "/videos"),
           "videos_last_ms": 1e3 * latency(client, f"/videos?page={pages}"),
           "word_ms": 1e3 * latency(client, "/word/0"), "video_ms": 1e3 * latency(client, f"/video/{ids[len(ids) // 2]}")}
    t = time.perf_counter()
    assert client.get("/search?q=cut+the+big+tomato").status_code == 200
    out["search_first_ms"] = 1e3 * (time.perf_counter() - t)
    out["search_cached_ms"] = 1e3 * latency(client, "/search?q=cut+the+big+tomato")
    out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    out["load_avg"] = os.getloadavg()[0]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--videos", type=int, nargs="+", default=[1000, 5000])
    p.add_argument("--clips", type=int, default=60, help="mean clips per video (90 s)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--work", help="keep the corpora here (default: a temporary directory)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-explore-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs, {args.threads} threads, load average {os.getloadavg()[0]:.1f}; corpora in {work}")
    rows = [measure(work, n, args.clips) for n in sorted(args.videos)]
    keys = ["videos", "clips", "sentences", "first_start_s", "second_start_s", "vocab_ms", "videos_ms", "videos_last_ms",
            "word_ms", "video_ms", "search_first_ms", "search_cached_ms", "peak_rss_gb", "load_avg"]
    print("\n| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]) for k in keys) + " |")
    print(f"\n(peak RSS is the process' so far: cumulative over the sizes, in order); load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
