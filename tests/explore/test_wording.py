"""What the explorer's pages say: counts with their right plural, the corpus named once, and
zero-shot labels from a transcript (no annotations) with their caveat and without ASR filler."""
from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def plain_client(hostile_corpus, tmp_path_factory):
    from videobert.explore import Explorer
    from videobert.explore.server import create_app

    root, _ = hostile_corpus
    return create_app(Explorer(root, cache_dir=tmp_path_factory.mktemp("cache"))).test_client()


def test_counts_have_the_right_plural_and_the_corpus_is_named_once(plain_client, hostile_corpus):
    root, ids = hostile_corpus
    pages = [plain_client.get(u).get_data(as_text=True) for u in ("/vocab", "/word/0", f"/video/{ids[0]}")]
    for page in pages:
        for n, word in re.findall(r"(?<![\d.])(\d+)(?:</strong>)? (clips?)\b", page):
            assert (word == "clip") == (n == "1"), (n, word)
        assert "corpus corpus" not in page
        assert f"corpus: {root.parent.name}/corpus" in page  # a corpus folder named "corpus" with its parent


def test_zero_shot_labels_from_a_transcript_skip_filler_and_say_so(demo_dir, tmp_path, monkeypatch):
    import shutil

    from videobert.corpus import Corpus
    from videobert.explore import Explorer
    from videobert.explore.server import create_app

    root = tmp_path / "corpus"
    shutil.copytree(demo_dir / "corpus", root, ignore=shutil.ignore_patterns(".explore-cache"))
    corpus = Corpus(root)
    vid = corpus.video_ids()[0]
    rec = corpus.read(vid, mmap=False)
    rec.sentences.append(type(rec.sentences[0])("Mm-hmm.", 0.0, 1.0))
    corpus.write(rec)

    seen = []
    import videobert.tasks.labels as labels

    real = labels.count_labels
    monkeypatch.setattr(labels, "count_labels", lambda sents, *a, **k: seen.extend(sents) or real(sents, *a, **k))
    ex = Explorer(root, model_path=demo_dir / "run" / "model", cache_dir=tmp_path / "cache")
    ex.label_lists()
    assert seen and "Mm-hmm." not in seen
    page = create_app(ex).test_client().get(f"/video/{vid}").get_data(as_text=True)
    assert "zero-shot" in page and "not step descriptions" in page
