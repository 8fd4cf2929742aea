"""Videos recorded from video2dataset shards (source ``SHARD.tar#KEY.mp4``): the explorer serves a
member's bytes from the tar in place (with HTTP Range, so the player seeks) and draws its frames."""
from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from ..ingest.test_shards import write_shard


@pytest.fixture(scope="module")
def shard_corpus(demo_dir, tmp_path_factory):
    """A copy of the demo corpus whose first video is recorded as a member of a shard (its own
    mp4, between two other members, so its bytes start inside the tar) and whose second names a
    member the shard does not hold."""
    from videobert.corpus import Corpus

    base = tmp_path_factory.mktemp("shard-explore")
    root = base / "corpus"
    shutil.copytree(demo_dir / "corpus", root, ignore=shutil.ignore_patterns(".explore-cache"))
    corpus = Corpus(root)
    ids = corpus.video_ids()
    _, jpath = corpus._paths(ids[0])
    meta = json.loads(jpath.read_text())
    data = open(meta["source"], "rb").read()
    tar = write_shard(base / "00000.tar", {"a": {"txt": "before"}, ids[0]: {"mp4": data, "json": {"key": ids[0]}},
                                           "z": {"txt": "after"}})
    meta["source"] = f"{tar}#{ids[0]}.mp4"
    jpath.write_text(json.dumps(meta))
    _, jpath = corpus._paths(ids[1])
    meta = json.loads(jpath.read_text())
    meta["source"] = f"{tar}#{ids[1]}.mp4"
    jpath.write_text(json.dumps(meta))
    return root, ids, data


@pytest.fixture(scope="module")
def shard_explorer(shard_corpus, tmp_path_factory):
    from videobert.explore import Explorer

    return Explorer(shard_corpus[0], cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def client(shard_explorer):
    from videobert.explore.server import create_app

    return create_app(shard_explorer).test_client()


def test_shard_member_is_served_in_place_with_range(client, shard_corpus):
    _, ids, data = shard_corpus
    r = client.get(f"/media/{ids[0]}")
    assert r.status_code == 200 and r.mimetype == "video/mp4" and r.headers["Accept-Ranges"] == "bytes"
    assert r.data == data  # exactly the member's bytes, not the tar's
    r = client.get(f"/media/{ids[0]}", headers={"Range": "bytes=100-199"})  # the player seeks with Range
    assert r.status_code == 206 and r.data == data[100:200]
    assert r.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    r = client.get(f"/media/{ids[0]}", headers={"Range": "bytes=-64"})
    assert r.status_code == 206 and r.data == data[-64:]
    r = client.get(f"/media/{ids[0]}", headers={"Range": f"bytes={len(data)}-"})
    assert r.status_code == 416
    etag = client.get(f"/media/{ids[0]}").headers["ETag"]
    assert client.get(f"/media/{ids[0]}", headers={"If-None-Match": etag}).status_code == 304
    assert client.head(f"/media/{ids[0]}").headers["Content-Length"] == str(len(data))
    assert client.get(f"/media/{ids[1]}").status_code == 404  # a member the shard does not hold


def test_frames_of_a_shard_member_are_its_own(client, shard_corpus, demo_dir, tmp_path):
    from videobert.explore import Explorer
    from videobert.explore.server import create_app

    _, ids, _ = shard_corpus
    plain = create_app(Explorer(demo_dir / "corpus", cache_dir=tmp_path / "c")).test_client()
    for url in (f"/thumb/{ids[0]}/1.jpg", "/exemplar/0.gif"):
        a, b = client.get(url), plain.get(url)
        assert a.status_code == b.status_code == 200, url
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(a.data)).convert("RGB")),
                              np.asarray(Image.open(io.BytesIO(b.data)).convert("RGB"))), url
    # the missing member: a placeholder tile that says why, not a failed page
    thumb = np.asarray(Image.open(io.BytesIO(client.get(f"/thumb/{ids[1]}/0.jpg").data)).convert("RGB")).astype(int)
    assert (np.abs(thumb - 96).max(axis=-1) < 8).mean() > 0.5


def test_export_copies_a_shard_member_out(shard_explorer, shard_corpus, tmp_path):
    from videobert.explore.pages import Renderer

    _, ids, data = shard_corpus
    shard_explorer.export(tmp_path / "site", Renderer(), copy_media=False)
    assert (tmp_path / "site" / "media" / f"{ids[0]}.mp4").read_bytes() == data
    page = (tmp_path / "site" / f"video-{ids[0]}.html").read_text()
    assert f'src="media/{ids[0]}.mp4"' in page
