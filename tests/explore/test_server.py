"""Server guarantees (Flask test client): read-only, media only from the corpus' own sources by
id (Range requests for seeking), no path traversal, every transcript text escaped."""
from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import HOSTILE


@pytest.fixture(scope="module")
def client(hostile_corpus, tmp_path_factory):
    from videobert.explore import Explorer
    from videobert.explore.server import create_app

    root, _ = hostile_corpus
    ex = Explorer(root, cache_dir=tmp_path_factory.mktemp("cache"))
    return create_app(ex).test_client()


@pytest.mark.parametrize("url", [
    "/media/../../etc/passwd", "/media/..%2F..%2Fetc%2Fpasswd", "/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/media/%2E%2E/%2E%2E/etc/passwd", "/media/..", "/media/.", "/media/%2e%2e", "/media//etc/passwd",
    "/media/etc%00passwd", "/media/..%5c..%5cetc%5cpasswd", "/static/../app.py", "/static/%2e%2e/app.py",
    "/static/..%2fapp.py", "/thumb/../../etc/passwd/1.jpg", "/video/..%2F..%2Fetc%2Fpasswd",
    "/media/%252e%252e%252fetc%252fpasswd", "/media/no_such_video", "/exemplar/-1.gif", "/exemplar/999.gif",
    "/thumb/synth_0000/9999.jpg",
])
def test_traversal_and_unknown_ids_are_refused(client, url):
    r = client.get(url)
    assert r.status_code in (400, 404), (url, r.status_code)
    assert b"root:" not in r.data


def test_media_only_from_recorded_video_sources(client, hostile_corpus):
    _, ids = hostile_corpus
    r = client.get(f"/media/{ids[1]}")  # its record was edited to name /etc/passwd: not a video
    assert r.status_code == 404 and b"root:" not in r.data
    r = client.get(f"/media/{ids[2]}")
    assert r.status_code == 200 and r.mimetype == "video/mp4"
    size = len(r.data)
    r = client.get(f"/media/{ids[2]}", headers={"Range": "bytes=100-199"})  # the player seeks with Range
    assert r.status_code == 206 and len(r.data) == 100
    assert r.headers["Content-Range"] == f"bytes 100-199/{size}"


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch", "options"])
@pytest.mark.parametrize("url", ["/vocab", "/media/synth_0002", "/search", "/static/explore.js", "/nowhere"])
def test_read_only(client, method, url):
    assert getattr(client, method)(url).status_code == 405


def test_hostile_caption_is_escaped(client, hostile_corpus):
    _, ids = hostile_corpus
    page = client.get(f"/video/{ids[0]}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert HOSTILE not in body and "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    vids = client.get("/videos").get_data(as_text=True)  # the first sentence is listed there too
    assert "<script>alert" not in vids and "&lt;script&gt;" in vids
    # the words spoken over a visual word come from transcripts: escaped on the vocabulary page too
    assert "<script>" not in client.get("/vocab").get_data(as_text=True).replace(
        '<script src="/static/explore.js"></script>', "")


def test_pages_without_a_model(client, hostile_corpus):
    for url in ("/vocab", "/videos", "/word/0", f"/video/{hostile_corpus[1][2]}", "/search?q=cut+the+pepper"):
        assert client.get(url).status_code == 200, url
    search = client.get("/search?q=cut+the+pepper").get_data(as_text=True)
    assert "Search needs a model" in search and "--model" in search
    assert client.get("/").status_code == 302
    assert client.get("/exemplar/0.gif").data[:6] in (b"GIF89a", b"GIF87a")
    assert client.get("/thumb/synth_0002/1.jpg").data[:2] == b"\xff\xd8"


def test_video_list_pages(client, hostile_corpus, monkeypatch):
    import re

    from videobert.explore import app as explore_app

    _, ids = hostile_corpus
    monkeypatch.setattr(explore_app, "VIDEOS_PER_PAGE", 2)
    first = client.get("/videos").get_data(as_text=True)
    pages = -(-len(ids) // 2)
    assert f"page 1 of {pages}" in first and 'href="/videos?page=2"' in first and 'rel="prev"' not in first
    listed = set()
    for n in range(1, pages + 1):
        body = client.get(f"/videos?page={n}").get_data(as_text=True)
        rows = re.findall(r'<td><a href="/video/([^"]+)">', body)
        assert 1 <= len(rows) <= 2
        listed.update(rows)
    assert listed == set(ids)  # every video on exactly the pages there are
    last = client.get(f"/videos?page={pages}").get_data(as_text=True)
    prev = "/videos" if pages == 2 else f"/videos?page={pages - 1}"  # page 1 is plain /videos
    assert 'rel="next"' not in last and f'<a href="{prev}" rel="prev">' in last
    assert client.get("/videos?page=999").get_data(as_text=True) == last  # clamped, not an error
    assert client.get("/videos?page=x").status_code == 200


def _app(root, cache, **kw):
    from videobert.explore import Explorer
    from videobert.explore.server import create_app

    ex = Explorer(root, cache_dir=cache, **kw)
    return ex, create_app(ex).test_client()


def test_relative_corpus_and_cache_paths_are_resolved_against_the_working_directory(hostile_corpus, tmp_path,
                                                                                      monkeypatch):
    import shutil

    root, ids = hostile_corpus
    shutil.copytree(root, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    ex, client = _app("corpus", "cache")  # as `videobert explore corpus --cache cache`
    assert ex.cache == tmp_path / "cache" and ex.corpus.root == tmp_path / "corpus"
    monkeypatch.chdir("/")  # Flask resolved relative paths against the package folder: nothing relative is left
    assert client.get("/exemplar/0.gif").data[:3] == b"GIF"
    assert client.get(f"/thumb/{ids[2]}/1.jpg").data[:2] == b"\xff\xd8"


def test_every_failure_is_a_page_with_a_message_never_a_traceback(hostile_corpus, tmp_path, caplog):
    import errno

    from videobert.corpus import CorpusError

    root, ids = hostile_corpus
    ex, client = _app(root, tmp_path / "cache")

    def full(*a):
        raise OSError(errno.ENOSPC, "No space left on device")

    ex.thumbnail = full
    caplog.clear()
    with caplog.at_level("ERROR"):
        r = client.get(f"/thumb/{ids[2]}/1.jpg")
    body = r.get_data(as_text=True)
    assert r.status_code == 503 and "No space left on device" in body and "--cache" in body
    assert "Traceback" not in body and "Traceback" not in caplog.text
    assert [(rec.name, rec.getMessage().count("\n")) for rec in caplog.records] == [("videobert.explore.server", 0)]
    assert "/thumb/" in caplog.records[0].getMessage()

    def edited(*a):
        raise CorpusError(f"video {ids[0]!r} is not in corpus {root}")

    ex.video = edited
    r = client.get(f"/video/{ids[0]}")
    assert r.status_code == 404 and "restart" in r.get_data(as_text=True)

    def hostile(*a):
        raise RuntimeError(HOSTILE)

    ex.vocabulary = hostile
    body = client.get("/vocab").get_data(as_text=True)
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_a_read_only_corpus_caches_in_the_user_cache_directory_and_says_so(hostile_corpus, tmp_path, monkeypatch,
                                                                            caplog):
    from videobert.explore import Explorer, cache as explore_cache

    root, ids = hostile_corpus
    real = explore_cache.writable
    monkeypatch.setattr(explore_cache, "writable",
                        lambda d: "Read-only file system" if str(d).startswith(str(root)) else real(d))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with caplog.at_level("WARNING"):
        ex = Explorer(root)
    assert ex.cache.parent == tmp_path / "xdg" / "videobert" / "explore"
    assert "Read-only file system" in caplog.text and str(ex.cache) in caplog.text and "--cache" in caplog.text
    assert any(ex.cache.glob("index-*.json"))
    with pytest.raises(OSError, match=r"--cache .* cannot be written \(Read-only file system\)"):
        Explorer(root, cache_dir=root / "mine")


def test_a_second_explorer_process_on_a_cache_is_refused(hostile_corpus, tmp_path):
    from videobert.explore import Explorer
    from videobert.utils.lock import DirectoryLocked, lock_directory

    root, _ = hostile_corpus
    other = lock_directory(tmp_path / "cache", "videobert explore")  # held as another process would hold it
    assert other.locked
    try:
        with pytest.raises(DirectoryLocked, match="another --cache"):
            Explorer(root, cache_dir=tmp_path / "cache")
    finally:
        other.release()


def test_a_long_search_is_cut_to_its_first_words_and_says_so(explorer):
    from videobert.explore.server import MAX_QUERY_WORDS, create_app

    seen = []
    client = create_app(explorer).test_client()
    original = explorer.search
    explorer.search = lambda q: seen.append(q)  # the model's scoring is not what is tested here
    try:
        body = client.get("/search?q=" + "+".join(["cut", "the", "onion", "slowly"] * 100)).get_data(as_text=True)
    finally:
        explorer.search = original
    assert len(seen[0].split()) == MAX_QUERY_WORDS == 12
    assert f"Only the first {MAX_QUERY_WORDS} of the 400 words of the query were searched." in body


def test_videos_moved_since_ingest_are_served_and_drawn_from_video_dir(hostile_corpus, tmp_path, monkeypatch):
    """A corpus whose videos were moved (its records name a folder that is gone): with the folder
    they are in now given (`--video-dir`, $VIDEOBERT_VIDEO_DIRS), the player gets the video and the
    thumbnails show frames; a record naming a non-video file still gets nothing."""
    import json
    import shutil

    from videobert.corpus import Corpus
    from videobert.explore import Explorer
    from videobert.explore.server import create_app
    from videobert.utils.media import VIDEO_DIRS_ENV

    src_root, ids = hostile_corpus
    root = tmp_path / "corpus"
    shutil.copytree(src_root, root, ignore=shutil.ignore_patterns(".explore-cache"))
    _, jpath = Corpus(root)._paths(ids[2])
    meta = json.loads(jpath.read_text())
    video = tmp_path / "new_disk" / "clips" / Path(meta["source"]).name
    video.parent.mkdir(parents=True)
    shutil.copyfile(meta["source"], video)
    meta["source"] = f"/old_disk/clips/{video.name}"
    jpath.write_text(json.dumps(meta))

    monkeypatch.setenv(VIDEO_DIRS_ENV, "")
    client = create_app(Explorer(root, cache_dir=tmp_path / "cache1")).test_client()
    assert client.get(f"/media/{ids[2]}").status_code == 404  # not found anywhere: nothing served
    grey = client.get(f"/thumb/{ids[2]}/0.jpg").data  # the 'cannot decode' placeholder
    monkeypatch.setenv(VIDEO_DIRS_ENV, str(tmp_path / "new_disk"))
    client = create_app(Explorer(root, cache_dir=tmp_path / "cache2")).test_client()
    r = client.get(f"/media/{ids[2]}")
    assert r.status_code == 200 and r.data == video.read_bytes()
    assert client.get(f"/media/{ids[1]}").status_code == 404  # /etc/passwd: still not a video
    thumb = client.get(f"/thumb/{ids[2]}/0.jpg")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg" and thumb.data != grey
