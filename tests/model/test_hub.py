"""Sharing models: save/load round trip, the model card, the Hub upload and download paths.

Offline: the upload runs huggingface_hub's own HfApi code against a fake Hub HTTP API (an httpx
MockTransport behind `set_client_factory`), the download against a faked `snapshot_download` and
against huggingface_hub's own cache reader with HF_HUB_OFFLINE=1; a socket guard fails any test
whose code tries to open a connection."""
import shutil
import socket

import numpy as np
import pytest
import torch

import videobert
from videobert.model import VideoBERT, hub as H

SHA = "0123456789abcdef0123456789abcdef01234567"
MODEL_FILES = ["bert/config.json", "bert/model.safetensors", "joint_tokenizer.json", "text_tokenizer/tokenizer.json",
               "text_tokenizer/tokenizer_config.json", "videobert.json", "visual_vocab/vocab.json",
               "visual_vocab/vocab.npz"]


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection is recorded and fails."""
    tried = []

    def refuse(self, address, *a, **k):
        tried.append(address)
        raise AssertionError(f"a connection to {address} was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(H, "offline_reason", lambda url="": None)  # the reachability probe is a connection too
    yield tried
    assert tried == []


@pytest.fixture(scope="module")
def model(tiny_corpus):
    import videobert.vocab as V

    vocab = V.VisualVocab.load(tiny_corpus.root / "vocab")
    return VideoBERT.create("scratch", vocab, tiny_corpus.config, size="tiny", seed=0)


@pytest.fixture(scope="module")
def run_dir(model, tmp_path_factory):
    """A pretraining run as `videobert pretrain` leaves it, with a `videobert eval all` report beside it."""
    from videobert.tasks.alignment import AlignmentResult
    from videobert.tasks.report import write_report
    from videobert.tasks.retrieval import RetrievalResult
    from videobert.train import PretrainConfig
    from videobert.utils.config import save_config
    from videobert.utils.io import atomic_write_json

    root = tmp_path_factory.mktemp("hub")
    run = root / "run"
    model.save_pretrained(run / "model")
    save_config(PretrainConfig(init="scratch", size="tiny", max_steps=123, batch_size=16, seed=7), run / "config.json")
    atomic_write_json(run / "run.json", {"corpus": str(root / "kitchen-corpus"), "vocab": "v", "world_size": 1,
                                         "train_videos": 48, "heldout_videos": 16, "total_steps": 123})
    results = {"retrieval": RetrievalResult(n=75, r1=0.2, r5=0.5, r10=0.72, median_rank=5.0),
               "alignment": AlignmentResult(6, 0.9, {"other_video": 6}, {"other_video": 0.8},
                                            {"other_video": 0.85}, {"other_video": 0.93})}
    write_report(results, root / "eval", {"model": str(run / "model"), "corpus": str(root / "kitchen-corpus"),
                                          "annotations": str(root / "annotations.json")})
    return run


def assert_same_model(a: VideoBERT, b: VideoBERT) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k].dtype == sb[k].dtype and torch.equal(sa[k], sb[k]), k
    assert a.tokenizer.text.get_vocab() == b.tokenizer.text.get_vocab()
    assert (a.tokenizer.num_text, a.tokenizer.num_visual) == (b.tokenizer.num_text, b.tokenizer.num_visual)
    assert a.vocab.num_tokens == b.vocab.num_tokens
    np.testing.assert_array_equal(a.vocab.leaf_centroids, b.vocab.leaf_centroids)
    assert a.ingest_config == b.ingest_config and a.info == b.info


def test_save_and_load_are_bitwise_equal(model, tmp_path):
    d = model.save_pretrained(tmp_path / "m")
    assert sorted(p for p, _ in H.model_files(d)) == MODEL_FILES
    back = videobert.load_model(str(d))
    assert_same_model(model, back)
    a = videobert.load_model(d.parent / "m")  # a Path works too; a run holding model/ as before
    assert_same_model(model, a)
    x = torch.tensor([[model.tokenizer.cls_id, model.tokenizer.visual_offset, model.tokenizer.sep_id]])
    model.eval()
    assert torch.equal(model(x).logits, back(x).logits)


def test_repo_ids_and_local_paths():
    assert H.is_repo_id("user/name") and H.is_repo_id("org-1/video_bert.v2")
    for s in ("name", "/abs/path", "./run/model", "~/m", "a/b/c", "user/--x", "user/a..b", "user/"):
        assert not H.is_repo_id(s), s
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        videobert.load_model("runs/x/model")  # not a repo id, and not there: no Hub request


def test_revision_on_a_local_folder_is_refused(run_dir):
    with pytest.raises(ValueError, match="local directory"):
        videobert.load_model(run_dir / "model", revision="main")


def test_card_metadata_config_and_report(run_dir):
    from huggingface_hub import ModelCard

    text = H.model_card(run_dir / "model", repo_id="me/tiny", datasets=["youcook2"], tags=["cooking"])
    card = ModelCard(text)
    assert card.data.library_name == "videobert" and card.data.license == "apache-2.0"
    assert card.data.datasets == ["youcook2"]
    assert {"videobert", "video-text", "cooking"} <= set(card.data.tags)
    body = card.text
    assert 'videobert.load_model("me/tiny")' in body
    assert "`kitchen-corpus`, 48 training videos (16 more held out" in body
    ing = run_dir.joinpath("model", "videobert.json").read_text()
    backbone = __import__("json").loads(ing)["ingest_config"]["backbone"]
    assert f"| backbone | `{backbone}` |" in body
    assert "| steps | `123` |" in body and "| batch size | `16` |" in body and "| seed | `7` |" in body
    # the eval report's numbers, found beside the run
    assert "`annotations.json`" in body
    assert "| text-to-segment retrieval R@1 / R@5 / R@10 (mlm scorer) | 0.200 / 0.500 / 0.720 | median rank 5.0 of 75 |" \
        in body
    assert "| alignment head vs other-video negatives, balanced accuracy / AUC | 0.850 / 0.930 | chance 0.500 |" in body
    assert "No evaluation report" not in H.model_card(run_dir / "model", find=True)
    assert "No evaluation report" in H.model_card(run_dir / "model", find=False)


def test_report_of_another_model_is_not_used(run_dir, tmp_path):
    from videobert.utils.io import atomic_write_json

    other = run_dir.parent / "other-eval"
    atomic_write_json(other / "report.json", {"meta": {"model": str(tmp_path / "elsewhere")},
                                              "retrieval": {"n": 1, "r1": 1.0, "r5": 1.0, "r10": 1.0}})
    try:
        assert H.find_report(run_dir / "model") == run_dir.parent / "eval" / "report.json"
    finally:
        shutil.rmtree(other)


def test_demo_report_rows():
    rows = dict((a, (b, c)) for a, b, c in H.report_rows({
        "meta": {"videos": "64 synthetic"},
        "reference": {"vote_verb_top1": 0.92, "vote_noun_top1": 0.85, "nn_verb_top1": 0.96, "nn_noun_top1": 0.96},
        "zeroshot": {"verb_top1": 0.81, "noun_top1": 0.83, "prior_verb_top1": 0.24, "prior_noun_top1": 0.12},
        "forecast": {"k": 3, "top1": 0.51, "topk": 0.65, "baseline_top1": 0.03, "baseline_topk": 0.07},
        "caption": {"rows": [{"name": "VideoBERT + features", "n": 16, "bleu4": 0.79, "meteor": 0.5,
                              "rouge_l": 0.8, "cider": 7.64}]},
        "stage_seconds": {"synth": 2.5, "ingest": 1.0},
        "newtask": {"score": 0.5, "label": "x"}}))
    assert rows["zero-shot verb / noun top-1"][0] == "0.810 / 0.830"
    assert "per-word vote 0.920 / 0.850" in rows["zero-shot verb / noun top-1"][1]
    assert rows["forecasting next visual word top-1 / top-3"] == ("0.510 / 0.650", "most frequent word 0.030 / 0.070")
    assert rows["captioning, VideoBERT + features: BLEU-4 / METEOR / ROUGE-L / CIDEr"][0] == \
        "0.790 / 0.500 / 0.800 / 7.640"
    assert rows["newtask"] == ("score 0.500", "")
    assert not any("synth" in a or "synth" in b for a, (b, _) in rows.items())


class FakeHub:
    """The Hub's HTTP API as huggingface_hub's client sees it, served in-process through an httpx
    MockTransport (installed with `huggingface_hub.set_client_factory`): every request lands here,
    none leaves the machine. Small files are asked for inline ("regular") uploads, so each commit
    carries the files' bytes."""

    def __init__(self, present=()):
        self.requests, self.present, self.commits, self.created, self.yaml = [], list(present), [], None, None
        self.refuse = None  # requests to paths holding this answer 401, as for a token without write access

    def __call__(self, request):
        import json

        import httpx2

        path, method = request.url.path, request.method
        self.requests.append((method, path))
        if self.refuse and self.refuse in path:
            return httpx2.Response(401, json={"error": "Invalid credentials"})
        if method == "POST" and path == "/api/repos/create":
            self.created = json.loads(request.content)
            return httpx2.Response(200, json={"url": "https://huggingface.co/me/tiny"})
        if method == "POST" and path == "/api/validate-yaml":
            self.yaml = json.loads(request.content)["content"]
            return httpx2.Response(200, json={"errors": [], "warnings": []})
        if method == "POST" and path.startswith("/api/models/me/tiny/branch/"):
            return httpx2.Response(200, json={})
        if method == "GET" and path.startswith("/api/models/me/tiny/tree/"):
            return httpx2.Response(200, json=[{"type": "file", "path": p, "oid": "0" * 40, "size": 1}
                                              for p in self.present])
        if method == "POST" and path.startswith("/api/models/me/tiny/preupload/"):
            files = json.loads(request.content)["files"]
            return httpx2.Response(200, json={"files": [{"path": f["path"], "uploadMode": "regular",
                                                         "shouldIgnore": False} for f in files]})
        if method == "POST" and path.startswith("/api/models/me/tiny/commit/"):
            self.commits.append((path, [json.loads(x) for x in request.content.decode().splitlines() if x.strip()]))
            return httpx2.Response(200, json={"commitUrl": "https://huggingface.co/me/tiny/commit/1",
                                              "commitOid": "1" * 40, "pullRequestUrl": None})
        return httpx2.Response(404, json={"error": f"no such route in the fake Hub: {method} {path}"})

    def private(self) -> bool:
        """Was the repository created private (huggingface_hub sends `private` or, newer, `visibility`)?"""
        c = self.created or {}
        return c.get("private") is True or c.get("visibility") == "private"

    def files(self) -> dict:
        """path -> bytes of the last commit; deleted paths -> None."""
        import base64

        out = {}
        for line in self.commits[-1][1]:
            if line["key"] == "file":
                out[line["value"]["path"]] = base64.b64decode(line["value"]["content"])
            elif line["key"] == "deletedFile":
                out[line["value"]["path"]] = None
        return out


@pytest.fixture
def fake_hub(no_network):
    import httpx2
    from huggingface_hub import set_client_factory
    from huggingface_hub.utils import _http

    hub = FakeHub(present=[".gitattributes", "README.md", "bert/pytorch_model.bin", "visual_vocab/old.npz", "notes.txt"])
    set_client_factory(lambda: httpx2.Client(transport=httpx2.MockTransport(hub),
                                             event_hooks={"request": [_http.hf_request_event_hook]}))
    yield hub
    set_client_factory(_http.default_client_factory)


def test_push_uploads_the_folder_and_the_card(run_dir, fake_hub):
    info = H.push_to_hub(run_dir / "model", "me/tiny", private=True, token="hf_x", branch="v1")
    assert info.oid == "1" * 40
    assert fake_hub.created["name"] == "tiny" and fake_hub.created["organization"] == "me"
    assert fake_hub.private()
    assert ("POST", "/api/models/me/tiny/branch/v1") in fake_hub.requests
    assert len(fake_hub.commits) == 1 and fake_hub.commits[0][0] == "/api/models/me/tiny/commit/v1"
    files = fake_hub.files()
    uploaded = sorted(p for p, b in files.items() if b is not None)
    assert uploaded == sorted(MODEL_FILES + ["README.md"])
    for path in MODEL_FILES:  # the model's files, byte for byte
        assert files[path] == (run_dir / "model" / path).read_bytes(), path
    card = files["README.md"].decode()
    assert card.startswith("---\n") and "library_name: videobert" in card and "median rank 5.0 of 75" in card
    assert fake_hub.yaml == card  # the Hub validates the card's metadata before the commit
    # files a previous push left in the model's folders go; the repository's own files stay
    assert sorted(p for p, b in files.items() if b is None) == ["bert/pytorch_model.bin", "visual_vocab/old.npz"]


def test_push_command(run_dir, fake_hub, capsys, tmp_path):
    from videobert.cli import main

    custom = tmp_path / "card.md"
    custom.write_text("---\nlicense: mit\n---\n# hand written\n")
    assert main(["push", str(run_dir / "model"), "me/tiny", "--private", "--card", str(custom)]) == 0
    assert "me/tiny/commit/1" in capsys.readouterr().out
    assert fake_hub.commits[-1][0] == "/api/models/me/tiny/commit/main"
    assert fake_hub.files()["README.md"] == custom.read_bytes()
    assert fake_hub.private() and not any("/branch/" in p for _, p in fake_hub.requests)

    fake_hub.requests.clear()  # --dry-run: the card and the list, nothing sent
    assert main(["push", str(run_dir), "me/tiny", "--dry-run", "--dataset", "youcook2"]) == 0
    out = capsys.readouterr().out
    assert fake_hub.requests == [] and "- youcook2" in out and "  bert/model.safetensors" in out and "  README.md" in out
    # a dry run refuses what the push would: a bad repo id, a report that is not there
    assert main(["push", str(run_dir), "bad name!!", "--dry-run"]) == 1
    assert "'bad name!!' is not a Hub model id" in capsys.readouterr().err
    assert main(["push", str(run_dir), "me/tiny", "--dry-run", "--report", str(run_dir / "nosuch.json")]) == 1
    assert "nosuch.json: no such file" in capsys.readouterr().err


def test_push_refuses_what_is_not_a_model(run_dir, tmp_path, monkeypatch):
    ckpt = tmp_path / "checkpoints" / "step-0000010"
    ckpt.mkdir(parents=True)
    (ckpt / "model.safetensors").write_bytes(b"x")
    (ckpt / "checksums.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="training checkpoint"):
        H.push_to_hub(ckpt, "me/tiny")
    broken = tmp_path / "broken"
    shutil.copytree(run_dir / "model", broken)
    (broken / "visual_vocab" / "vocab.npz").unlink()
    with pytest.raises(FileNotFoundError, match="missing visual_vocab/vocab.npz"):
        H.push_to_hub(broken, "me/tiny")
    with pytest.raises(ValueError, match="not a Hub model id"):
        H.push_to_hub(run_dir / "model", "/tmp/x")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OSError, match="HF_HUB_OFFLINE"):
        H.push_to_hub(run_dir / "model", "me/tiny")
    monkeypatch.delenv("HF_HUB_OFFLINE")

    class ConnectError(Exception):  # what the Hub's HTTP client raises without network
        pass

    def no_route(self, *a, **k):
        raise ConnectError("[Errno -2] Name or service not known")

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub.HfApi, "create_repo", no_route)
    monkeypatch.setattr(H, "offline_reason", lambda url="": "huggingface.co:443 is unreachable (gaierror)")
    with pytest.raises(OSError, match=r"cannot push to me/tiny on the Hugging Face Hub: huggingface.co:443 is "
                                      r"unreachable"):  # one line, not the client's traceback
        H.push_to_hub(run_dir / "model", "me/tiny")
    monkeypatch.setattr(H, "offline_reason", lambda url="": None)  # reachable: the error is not about the network
    with pytest.raises(ConnectError):
        H.push_to_hub(run_dir / "model", "me/tiny")


def fill_cache(cache, repo_id, model_dir, sha=SHA, ref="main"):
    """The Hugging Face cache layout snapshot_download writes: refs/<ref> -> snapshots/<sha>/files."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    shutil.copytree(model_dir, repo / "snapshots" / sha)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / ref).write_text(sha)
    return repo / "snapshots" / sha


def test_load_model_downloads_through_snapshot_download(model, run_dir, tmp_path, monkeypatch, no_network):
    import huggingface_hub

    seen = []

    def fake_snapshot_download(repo_id, **kw):
        seen.append((repo_id, kw))
        return str(fill_cache(tmp_path / "cache", repo_id, run_dir / "model", ref=kw["revision"] or "main"))

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    back = videobert.load_model("me/tiny", revision="v1", token="hf_x")
    assert_same_model(model, back)
    assert back.name_or_path == "me/tiny"
    repo_id, kw = seen[0]
    assert repo_id == "me/tiny" and kw["revision"] == "v1" and kw["token"] == "hf_x"
    assert kw["library_name"] == "videobert" and not kw["local_files_only"]
    assert {"videobert.json", "bert/*", "visual_vocab/*", "text_tokenizer/*", "joint_tokenizer.json"} <= \
        set(kw["allow_patterns"])


def test_offline_loads_from_the_cache_or_says_why(model, run_dir, tmp_path, monkeypatch, no_network):
    cache = tmp_path / "hf"
    fill_cache(cache, "me/tiny", run_dir / "model")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub's own cache lookup (refs/main -> snapshot), no request
    assert_same_model(model, videobert.load_model("me/tiny", cache_dir=cache))
    assert_same_model(model, videobert.load_model("me/tiny", cache_dir=cache, revision=SHA))
    with pytest.raises(FileNotFoundError, match=r"me/other.*not \(completely\) in the Hugging Face cache.*"
                                                r"HF_HUB_OFFLINE=1 is set"):
        videobert.load_model("me/other", cache_dir=cache)
    with pytest.raises(FileNotFoundError, match="me/tiny@v2"):
        videobert.load_model("me/tiny", cache_dir=cache, revision="v2")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(FileNotFoundError, match="local_files_only=True"):
        videobert.load_model("me/other", cache_dir=cache, local_files_only=True)


def test_models_saved_by_earlier_versions_load(model, tmp_path):
    """Every earlier version wrote this layout (format videobert-model/1); the oldest lack the
    alignment pooling and the centroid power, and load with the pooling they were trained with."""
    import json

    d = model.save_pretrained(tmp_path / "old")
    meta = json.loads((d / "videobert.json").read_text())
    for key in ("align_pool", "visual_init_power"):
        meta.pop(key)
    (d / "videobert.json").write_text(json.dumps(meta))
    old = videobert.load_model(d)
    assert "align_pool" not in old.info and torch.equal(old.bert.cls.predictions.decoder.weight,
                                                        model.bert.cls.predictions.decoder.weight)
    x = torch.tensor([[model.tokenizer.cls_id, model.tokenizer.visual_offset, model.tokenizer.sep_id]])
    _, pooled = old.encode(x)
    assert torch.equal(pooled, old.bert.bert(input_ids=x).pooler_output)  # BERT's [CLS] pooler, as trained
    meta["format"] = "videobert-model/0"
    (d / "videobert.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="unknown format 'videobert-model/0', expected 'videobert-model/1'"):
        videobert.load_model(d)


def test_push_without_permission_says_how_to_log_in(run_dir, fake_hub):
    fake_hub.refuse = "/commit/"
    with pytest.raises(OSError, match="failed: .*401.*hf auth login"):
        H.push_to_hub(run_dir / "model", "me/tiny", token="hf_bad")


def test_a_loaded_model_pushes_itself(model, fake_hub):
    info = model.push_to_hub("me/tiny", commit_message="first")
    assert info.oid == "1" * 40
    files = fake_hub.files()
    assert sorted(p for p, b in files.items() if b is not None) == sorted(MODEL_FILES + ["README.md"])
    assert fake_hub.commits[-1][1][0]["value"]["summary"] == "first"
    assert "No evaluation report" in files["README.md"].decode()  # saved outside a run: no report to find
