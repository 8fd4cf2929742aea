"""A download that cannot happen fails at once and names the offline choice (issue 25)."""
from __future__ import annotations

import time

import pytest

from videobert.utils import offline


def test_offline_reason_honours_hf_hub_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert "HF_HUB_OFFLINE=1" in offline.offline_reason()
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "true")
    assert "TRANSFORMERS_OFFLINE" in offline.offline_reason()


def test_an_unreachable_host_is_offline_for_certain():
    # port 9 (discard) on localhost: refused at once, no request sent
    assert "unreachable" in offline.offline_reason("http://127.0.0.1:9/x")


def test_init_from_the_hub_fails_fast_offline_naming_minilm(monkeypatch):
    from videobert.model.init import load_init

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="--init minilm") as e:
        load_init("bert-base-uncased-not-cached-anywhere")
    assert time.monotonic() - t0 < 20  # no retry storm (was ~30 s of retries for bert-base-uncased)
    assert "HF_HUB_OFFLINE=1" in str(e.value)


def test_s3d_kinetics_offline_names_efficientnet(monkeypatch, tmp_path):
    import torch

    from videobert.ingest import backbones

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))  # nothing cached
    monkeypatch.setattr(offline, "offline_reason", lambda url="": "download.pytorch.org:443 is unreachable (test)")
    with pytest.raises(RuntimeError, match="--backbone efficientnet_lite0"):
        backbones._kinetics400_state_dict()


def test_a_whisper_name_offline_names_the_packaged_model(monkeypatch, tmp_path):
    pytest.importorskip("faster_whisper")
    from videobert.ingest import asr

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # nothing cached
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    asr._whisper_model.cache_clear()
    with pytest.raises(asr.ASRModelError, match="--asr-model packaged") as e:
        asr.load_whisper("small", device="cpu")
    assert "HF_HUB_OFFLINE" in str(e.value)
