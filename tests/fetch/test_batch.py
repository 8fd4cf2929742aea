"""`videobert fetch urls` against the local fault-injecting server (tests/fetch/conftest.py):
failures.json reasons, retries seen from the server's side, a re-run that fetches only what is
missing, and a folder that `videobert ingest` takes as it is."""
from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

import pytest

pytest.importorskip("yt_dlp")

from videobert.fetch import cli as fetch_cli

FAST = ["--retries", "2", "--backoff", "0.01", "--socket-timeout", "0.5", "--workers", "4", "--no-progress"]
GOOD = ["good", "flaky500", "busy429", "reset1"]
BAD = {"gone": "http_status", "cut": "network_error", "stuck": "timeout", "junk": "invalid_media"}
# a page whose video gets the id "later-1" from yt-dlp: while it fails, failures.json can only name it "later"


def main(argv: list[str]) -> int:
    """`videobert fetch ...` through the fetch command's own parser (the full CLI imports every
    stage, torch included: seconds on a busy machine)."""
    parser = argparse.ArgumentParser(prog="videobert")
    fetch_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def _failures(out):
    return {f["video_id"]: f for f in json.loads((out / "failures.json").read_text())}


@pytest.fixture(scope="module")
def first_run(server, tmp_path_factory):
    server.reset_counts()
    server.plan.update({"gone": ["404"], "flaky500": ["500", "ok"], "busy429": ["429", "ok"],
                        "reset1": ["reset", "ok"], "cut": ["short"], "stuck": ["stall"], "junk": ["garbage"],
                        "later": ["503"]})
    root = tmp_path_factory.mktemp("fetch")
    lst = root / "urls.txt"
    lst.write_text("# a test list\n" + "\n".join(server.url(n) for n in [*GOOD, *BAD]) + "\n\n"
                   + server.page_url("cook") + "\n" + server.page_url("later") + "\n")
    out = root / "videos"
    rc = main(["fetch", "urls", str(lst), "--out", str(out), *FAST])
    return SimpleNamespace(rc=rc, out=out, list=lst, requests=dict(server.requests),
                           served={k: list(v) for k, v in server.served.items()}, failures=_failures(out),
                           files=sorted(p.name for p in out.iterdir()))


@pytest.fixture(scope="module")
def second_run(first_run, server):
    server.reset_counts()
    server.plan.update({"gone": ["ok"], "junk": ["ok"], "later": ["ok"]})  # back online / fixed; cut and stuck still fail
    rc = main(["fetch", "urls", str(first_run.list), "--out", str(first_run.out), *FAST])
    return SimpleNamespace(rc=rc, requests=dict(server.requests), failures=_failures(first_run.out))


def test_good_videos_land_complete_and_failures_exit_1(first_run):
    assert first_run.rc == 1
    for vid in [*GOOD, "cook-1"]:
        assert f"{vid}.mp4" in first_run.files and f"{vid}.info.json" in first_run.files
        info = json.loads((first_run.out / f"{vid}.info.json").read_text())
        assert info["video_id"] == vid and info["media"] == f"{vid}.mp4" and info["source"] == "urls"
        assert info["duration"] == pytest.approx(1.0, abs=0.05) and info["fetched_at"] and "license" in info
    for vid in BAD:
        assert not any(f.startswith(vid + ".") for f in first_run.files)
    assert ".partial" not in first_run.files  # nothing half done is left behind


def test_page_captions_land_as_en_vtt(first_run):
    assert "cook-1.en.vtt" in first_run.files and "good.en.vtt" not in first_run.files
    assert "Cut the <b>onion</b>." in (first_run.out / "cook-1.en.vtt").read_text()
    info = json.loads((first_run.out / "cook-1.info.json").read_text())
    assert info["subtitles"] == "manual" and info["subtitle_lang"] == "en" and info["title"] == "cook recipe (1)"


def test_failures_json_names_each_failure_with_its_reason(first_run):
    f = first_run.failures
    assert {vid: e["kind"] for vid, e in f.items()} == {**BAD, "later": "http_status"}
    assert f["later"]["http_status"] == 503 and f["later"]["attempts"] == 3
    assert f["gone"]["http_status"] == 404 and "404" in f["gone"]["reason"]
    assert f["gone"]["attempts"] == 1 and f["junk"]["attempts"] == 1  # not transient: no retry
    assert f["cut"]["attempts"] == 3 and f["stuck"]["attempts"] == 3  # transient: retried twice
    assert f["gone"]["url"].endswith("/v/gone.mp4")


def test_transient_errors_were_retried(first_run):
    served = first_run.served
    for name, fault in [("flaky500", "500"), ("busy429", "429"), ("reset1", "reset")]:
        assert served[name][0] == fault and served[name][1:] and set(served[name][1:]) == {"ok"}
    assert first_run.requests["gone"] == 1
    assert first_run.requests["stuck"] == 3  # one stalled request per attempt
    assert served["cut"].count("short") >= 3


def test_rerun_fetches_only_what_is_missing(first_run, second_run):
    assert second_run.rc == 1  # cut and stuck still fail
    for name in [*GOOD, "cook"]:
        assert second_run.requests.get(name, 0) == 0  # complete: not even asked for
    assert second_run.requests["gone"] >= 1 and second_run.requests["junk"] >= 1
    assert (first_run.out / "gone.mp4").is_file() and (first_run.out / "junk.info.json").is_file()
    assert set(second_run.failures) == {"cut", "stuck"}  # an entry leaves when its video succeeds
    assert (first_run.out / "later-1.en.vtt").is_file()  # "later" left although its video is "later-1"


def test_output_folder_ingests(first_run, second_run, tmp_path):
    from videobert.corpus import Corpus
    from videobert.ingest import IngestConfig, ingest

    cfg = IngestConfig(weights="random", size=32, batch_size=4, device="cpu")
    summary = ingest([first_run.out], tmp_path / "corpus", cfg, progress=False)
    corpus = Corpus(tmp_path / "corpus")
    assert summary.failed == 0
    assert sorted(corpus.video_ids()) == sorted([*GOOD, "cook-1", "gone", "junk", "later-1"])
    rec = corpus.read("cook-1")
    assert [s.text for s in rec.sentences] == ["Cut the onion.", "Now fry it in the pan."]
    assert corpus.read("good").sentences == []
