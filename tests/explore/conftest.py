"""Fixtures of the explore tests: the tiny demo (corpus, vocabulary, model, annotations), built once."""
from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("flask", reason="videobert explore needs Flask: pip install 'videobert[explore]'")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    from videobert.demo import Demo, DemoConfig

    out = tmp_path_factory.mktemp("explore-demo")
    demo = Demo(out, DemoConfig.tiny_config(), progress=False, say=lambda s: None)
    # the demo's own stages up to the model; its evaluation and report (half its time) are not needed here
    for stage in (demo.synth, demo.ingest, demo.vocab, demo.pretrain):
        stage()
    return out


@pytest.fixture(scope="session")
def explorer(demo_dir):
    """The explorer with the demo's model and annotations (the browser and search tests)."""
    from videobert.explore import Explorer

    return Explorer(demo_dir / "corpus", model_path=demo_dir / "run" / "model",
                    annotations=demo_dir / "videos" / "annotations.json", cache_dir=demo_dir / "cache")


HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="session")
def hostile_corpus(demo_dir, tmp_path_factory):
    """A copy of the demo corpus with a hostile transcript sentence, and a video whose recorded
    source was edited to name a non-video file."""
    root = tmp_path_factory.mktemp("hostile") / "corpus"
    shutil.copytree(demo_dir / "corpus", root, ignore=shutil.ignore_patterns(".explore-cache"))
    from videobert.corpus import Corpus

    corpus = Corpus(root)
    ids = corpus.video_ids()
    _, jpath = corpus._paths(ids[0])
    meta = json.loads(jpath.read_text())
    meta["sentences"][0]["text"] = HOSTILE
    jpath.write_text(json.dumps(meta))
    _, jpath = corpus._paths(ids[1])
    meta = json.loads(jpath.read_text())
    meta["source"] = "/etc/passwd"
    jpath.write_text(json.dumps(meta))
    return root, ids
