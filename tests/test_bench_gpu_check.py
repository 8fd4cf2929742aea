"""bench/gpu_check.{sh,py}: argument handling and the CPU fallback (no GPU needed)."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("bench_gpu_check", BENCH / "gpu_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(mod, *argv):
    lines: list[str] = []
    code = mod.main(list(argv), say=lines.append)
    return code, "\n".join(lines)


@pytest.mark.parametrize("argv, message", [
    (["--parts", "nope"], "invalid choice"),
    (["--device", "tpu"], "use auto, cpu, cuda or cuda:N"),
    (["--seconds", "1"], "--seconds must be >= 2"),
    (["--kmeans-n", "0"], "--kmeans-n must be >= 1"),
    (["--eval-videos", "3"], "--eval-videos must be >= 4"),
])
def test_bad_arguments_exit_with_a_message(gpu_check, capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        gpu_check.parse(argv)
    assert e.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA refusal")
def test_asking_for_cuda_without_one_is_refused(gpu_check, capsys):
    with pytest.raises(SystemExit):
        gpu_check.parse(["--device", "cuda"])
    assert "no CUDA device here" in capsys.readouterr().err


def test_smoke_sizes_unless_given(gpu_check):
    a = gpu_check.parse(["--cpu-smoke"])
    assert a.smoke and (a.kmeans_n, a.kmeans_dim, a.pretrain_size, a.seconds) == (3000, 32, "tiny", 2)
    a = gpu_check.parse(["--cpu-smoke", "--kmeans-n", "500", "--pretrain-size", "small"])
    assert (a.kmeans_n, a.pretrain_size) == (500, "small")
    if not torch.cuda.is_available():  # auto without CUDA falls back to the smoke run
        assert gpu_check.parse([]).smoke


def test_cpu_fallback_kmeans_says_no_cuda_and_writes_the_table(gpu_check, tmp_path):
    pytest.importorskip("faiss")
    out = tmp_path / "check.json"
    code, text = run(gpu_check, "--cpu-smoke", "--parts", "kmeans", "--kmeans-n", "600", "--out", str(out))
    assert code == 0
    assert text.splitlines()[0].startswith("no CUDA: running the tiny CPU fallback")
    assert "| kmeans | level-synchronous on cpu: 2x4 on 600 x 32, seconds |" in text
    assert "load average" in text
    rows = json.loads(out.read_text())["rows"]
    assert [r["part"] for r in rows] == ["kmeans"] and rows[0]["ok"]
    assert "faiss per node" in rows[0]["baseline"] and "MSD ours / faiss" in rows[0]["note"]


def test_a_failing_part_is_a_failed_row_and_exit_status_1(gpu_check, monkeypatch):
    def boom(*a):
        raise RuntimeError("no such kernel")

    monkeypatch.setitem(gpu_check.PART_FNS, "kmeans", boom)
    code, text = run(gpu_check, "--cpu-smoke", "--parts", "kmeans")
    assert code == 1
    assert "| kmeans | part failed | FAILED |" in text and "RuntimeError: no such kernel" in text


def test_shell_wrapper_passes_arguments_through():
    res = subprocess.run(["bash", str(BENCH / "gpu_check.sh"), "--parts", "nope"], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 2 and "invalid choice" in res.stderr and "--cpu-smoke" in res.stderr


@pytest.mark.slow
def test_cpu_fallback_runs_every_part(gpu_check, tmp_path):
    """Every part at toy sizes (~1-2 minutes on 2 loaded cores): ingest, k-means, pretraining, every eval task."""
    pytest.importorskip("faiss")
    pytest.importorskip("efficientnet_lite_pytorch")
    out = tmp_path / "check.json"
    code, text = run(gpu_check, "--cpu-smoke", "--out", str(out))
    assert code == 0, text
    rows = json.loads(out.read_text())["rows"]
    parts = {r["part"] for r in rows}
    assert parts == {"ingest", "kmeans", "pretrain", "eval"}
    assert all(r["ok"] for r in rows)
    from videobert.tasks import registry

    assert {f"task {t}, one pass" for t in registry.TASKS} <= {r["what"] for r in rows}
    assert sys.modules.get("ingest") is not None  # bench/ingest.py's columns were used
