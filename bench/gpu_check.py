"""GPU check: every CUDA path of the project, measured in one run (issue 29), in one table.

    bash bench/gpu_check.sh                      # on a CUDA machine: the whole check, < 8 minutes
    python bench/gpu_check.py [--parts ingest kmeans pretrain eval] [--out check.json]
    python bench/gpu_check.py --cpu-smoke        # the tiny CPU fallback (what the test suite runs)

Parts (each a row or more of the table; a part that fails is a FAILED row and exit status 1):
  ingest    x real time of the full ingest (decode thread + backbone under bf16 and fp16
            autocast) for S3D-224 (random weights) and EfficientNet-Lite0-224 (ImageNet), on
            320x240 and 720p H.264, against decoding alone (PyAV; `ffmpeg -f null` beside it) and
            the backbone alone (bench/ingest.py's columns);
  kmeans    the level-synchronous k-means (vocab/batched_kmeans.py) on CUDA against faiss per node
            on every CPU core, 4 x 12 on 200K x 1024 (bench/kmeans.py's mixture), with both trees'
            distortion;
  pretrain  tokens/s and MFU of `--size base` under bf16 autocast against the length-grouped
            Hugging Face baseline (bench/pretrain.py, on the GPU, MFU against its bf16 matmul peak);
  eval      one pass of every registered eval task on CUDA, on a tiny synthetic corpus ingested,
            tokenized (k-means on CUDA) and pretrained on CUDA here: seconds per task.

Without CUDA (or with --cpu-smoke) it says "no CUDA" and runs every part at toy sizes on the CPU:
that checks the script, not the speed. The load average is printed beside every row.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ingest.py, kmeans.py, pretrain.py

PARTS = ("ingest", "kmeans", "pretrain", "eval")


def load() -> float:
    return os.getloadavg()[0]


class Table:
    def __init__(self, say=print):
        self.rows: list[dict] = []
        self.say = say

    def add(self, part: str, what: str, ours: str, baseline: str = "", ratio: str = "", note: str = "",
            ok: bool = True) -> None:
        row = {"part": part, "what": what, "ours": ours, "baseline": baseline, "ratio": ratio, "note": note,
               "load": round(load(), 1), "ok": ok}
        self.rows.append(row)
        self.say(f"[{part}] {what}: {ours}" + (f" | baseline {baseline}" if baseline else "")
                 + (f" | {ratio}" if ratio else "") + (f" | {note}" if note else "") + f" (load average {row['load']})")

    def markdown(self) -> str:
        lines = ["| part | what | ours | baseline | ratio | note | load avg |", "|---|---|---|---|---|---|---|"]
        for r in self.rows:
            lines.append(f"| {r['part']} | {r['what']} | {r['ours']} | {r['baseline']} | {r['ratio']} | {r['note']} "
                         f"| {r['load']} |")
        return "\n".join(lines)


# ---- parts ---------------------------------------------------------------------------------
def part_ingest(args, device: str, table: Table, tmp: Path) -> None:
    import ingest as bench_ingest

    sizes = [(320, 240), (1280, 720)] if not args.smoke else [(160, 120)]
    videos = {f"{w}x{h}": bench_ingest.make_video(str(tmp / f"{w}x{h}.mp4"), w, h, args.seconds) for w, h in sizes}
    runs = [("s3d", "random", 224 if not args.smoke else 32), ("efficientnet_lite0", "imagenet", 224)]
    precisions = ["bf16", "fp16"] if device.startswith("cuda") else ["fp32"]
    for prec in precisions:
        rows = bench_ingest.measure(videos, runs, batch_size=args.ingest_batch, precision=prec, device=device,
                                    repeats=1, say=table.say)
        for r in rows:
            table.add("ingest", f"{r['backbone']} {r['input']} {prec}, x real time", f"{r['full']:.2f}x",
                      f"decode alone (PyAV) {r['pyav']:.1f}x", f"{r['full_vs_limit']:.0%} of min(decode, alone)",
                      f"backbone alone {r['alone']:.2f}x; ffmpeg -f null {r['ffmpeg']:.1f}x; reader {r['reader']:.1f}x")


def part_kmeans(args, device: str, table: Table, tmp: Path) -> None:
    from kmeans import mixture, msd

    from videobert.vocab.batched_kmeans import fit_tree_batched
    from videobert.vocab.hkmeans import fit_tree, walk

    x = mixture(args.kmeans_n, args.kmeans_dim, 0)
    levels, k = (4, 12) if not args.smoke else (2, 4)
    what = f"{levels}x{k} on {args.kmeans_n:,} x {args.kmeans_dim}, seconds"
    t = time.perf_counter()
    c, par = fit_tree_batched(x, levels, k, 0, 20, device=device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    ours_s = time.perf_counter() - t
    ours_msd = msd(x, c[-1], walk(x, c, par))
    try:
        t = time.perf_counter()
        fc, fpar = fit_tree(x, levels, k, 0, 20, workers=os.cpu_count() or 1)
        faiss_s = time.perf_counter() - t
    except ImportError as e:  # faiss-cpu is the [all] extra
        table.add("kmeans", f"level-synchronous on {device}: {what}", f"{ours_s:.2f} s",
                  "faiss: not installed", note=str(e).splitlines()[0])
        return
    faiss_msd = msd(x, fc[-1], walk(x, fc, fpar))
    table.add("kmeans", f"level-synchronous on {device}: {what}", f"{ours_s:.2f} s ({len(c[-1])} leaves)",
              f"faiss per node, {os.cpu_count()} CPU threads: {faiss_s:.2f} s ({len(fc[-1])} leaves)",
              f"{faiss_s / ours_s:.2f}x faiss' speed", f"MSD ours / faiss {ours_msd / faiss_msd:.4f}")


def part_pretrain(args, device: str, table: Table, tmp: Path) -> None:
    import pretrain as bench_pretrain

    argv = ["--size", args.pretrain_size, "--steps", str(args.pretrain_steps), "--device", device,
            "--threads", str(args.threads)]
    if args.smoke:
        argv += ["--videos", "8", "--batch-size", "4", "--num-visual", "144"]
    res = bench_pretrain.run(argv, say=table.say)
    tps, mfu = res["tokens_per_s"], res["mfu"]
    prec = "bf16 autocast" if device.startswith("cuda") else "fp32"
    table.add("pretrain", f"--size {args.pretrain_size}, {prec}, useful tokens/s", f"{tps['ours']:,.0f}",
              f"HF length-grouped {tps['hf_grouped']:,.0f}", f"{res['vs_hf_grouped']:.2f}x",
              f"MFU {mfu['ours']:.1%} vs HF {mfu['hf_grouped']:.1%} of {res['peak_flops'] / 1e12:.2f} TFLOP/s "
              f"({'bf16' if device.startswith('cuda') else 'fp32'} matmul peak)")


def part_eval(args, device: str, table: Table, tmp: Path) -> None:
    """synth -> ingest -> vocab -> pretrain on `device`, then every registered task, timed one by one."""
    from videobert.ingest import IngestConfig, ingest
    from videobert.synth import SynthConfig, generate
    from videobert.tasks import registry
    from videobert.tasks.annotations import read_labels
    from videobert.tasks.captioning import CaptionerConfig
    from videobert.tasks.report import load_eval_data
    from videobert.train import PretrainConfig, pretrain
    from videobert.vocab import VocabConfig, build_vocab

    cuda = device.startswith("cuda")
    t = time.perf_counter()
    synth = tmp / "videos"
    generate(synth, SynthConfig(videos=args.eval_videos, seed=0, val_fraction=0.5, steps_min=2, steps_max=3,
                                step_seconds=(3.0, 4.5), width=64, height=48, audio=False),
             workers=min(4, os.cpu_count() or 1))
    corpus = tmp / "corpus"
    icfg = IngestConfig(backbone="s3d", weights="random", size=32, device=device)
    summary = ingest([synth], corpus, icfg, workers=1, progress=False)
    if summary.failed:
        raise RuntimeError(f"{summary.failed} synthetic videos failed to ingest: {summary.failures[0]['reason']}")
    vcfg = VocabConfig(levels=1, k=6, seed=0, **({"kmeans": "batched", "device": device} if cuda else {}))
    build_vocab(corpus, vcfg, corpus / "vocab")
    run = tmp / "run"
    steps = 20
    pretrain(corpus, run, PretrainConfig(init="scratch", size="tiny", max_steps=steps, batch_size=8, seed=0,
                                         device=device, eval_every=10, save_every=10, log_every=5, eval_batches=2),
             vocab_dir=corpus / "vocab")
    table.add("eval", f"tiny corpus ({args.eval_videos} videos) ingested, tokenized, pretrained ({steps} steps)",
              f"{time.perf_counter() - t:.1f} s", note=f"device {device}")
    annotations = str(synth / "annotations.json")
    data = load_eval_data(str(run / "model"), str(corpus), annotations, device)
    model_device = next(data.model.parameters()).device
    inputs = registry.EvalInputs(data, read_labels(synth / "verbs.txt"), read_labels(synth / "nouns.txt"),
                                 out_dir=tmp / "eval", annotations=annotations, meteor=False)
    configs = {"caption": CaptionerConfig(epochs=2, seed=0)}
    failed = []
    for name in list(registry.TASKS):
        t = time.perf_counter()
        try:
            registry.run_tasks([name], inputs, {k: v for k, v in configs.items() if k == name})
        except Exception as e:  # every task gets its row; the exit status says one failed
            failed.append(name)
            table.add("eval", f"task {name}", "FAILED", note=f"{type(e).__name__}: {str(e)[:160]}", ok=False)
            traceback.print_exc()
            continue
        table.add("eval", f"task {name}, one pass", f"{time.perf_counter() - t:.2f} s", note=f"model on {model_device}")
    if failed:
        raise RuntimeError(f"eval tasks failed: {', '.join(failed)}")


PART_FNS = {"ingest": part_ingest, "kmeans": part_kmeans, "pretrain": part_pretrain, "eval": part_eval}


# ---- CLI -----------------------------------------------------------------------------------
def parse(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS, help="what to check (default: all)")
    ap.add_argument("--cpu-smoke", action="store_true",
                    help="toy sizes on the CPU even where CUDA exists (checks the script, not the speed)")
    ap.add_argument("--device", default="auto", help="auto (CUDA when available, else the CPU smoke run) | cuda | cuda:N")
    ap.add_argument("--seconds", type=int, default=None, help="ingest test videos' length (default 20; smoke 2)")
    ap.add_argument("--ingest-batch", type=int, default=None, help="clips per forward in ingest (default 32; smoke 2)")
    ap.add_argument("--kmeans-n", type=int, default=None, help="k-means points (default 200000; smoke 3000)")
    ap.add_argument("--kmeans-dim", type=int, default=None, help="k-means dimensions (default 1024; smoke 32)")
    ap.add_argument("--pretrain-size", default=None, choices=["tiny", "small", "base", "large"],
                    help="model size (default base; smoke tiny)")
    ap.add_argument("--pretrain-steps", type=int, default=None, help="timed steps per side (default 8; smoke 1)")
    ap.add_argument("--eval-videos", type=int, default=None, help="tiny eval corpus' videos (default 8; smoke 4)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: every core; smoke 1)")
    ap.add_argument("--out", default=None, help="also write the table's rows as JSON here")
    args = ap.parse_args(argv)
    if args.device != "auto" and not (args.device == "cpu" or args.device.startswith("cuda")):
        ap.error(f"--device {args.device!r}: use auto, cpu, cuda or cuda:N")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        ap.error(f"--device {args.device}: no CUDA device here (torch {torch.__version__}); "
                 "run without --device for the CPU smoke check")
    args.smoke = args.cpu_smoke or args.device == "cpu" or (args.device == "auto" and not torch.cuda.is_available())
    defaults = dict(seconds=(2, 20), ingest_batch=(2, 32), kmeans_n=(3000, 200_000), kmeans_dim=(32, 1024),
                    pretrain_size=("tiny", "base"), pretrain_steps=(1, 8), eval_videos=(4, 8),
                    threads=(1, os.cpu_count() or 1))
    for name, (smoke, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, smoke if args.smoke else full)
    for name in ("seconds", "ingest_batch", "kmeans_n", "kmeans_dim", "pretrain_steps", "eval_videos", "threads"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.seconds < 2:
        ap.error(f"--seconds must be >= 2 (one clip is 1.5 s), got {args.seconds}")
    if args.eval_videos < 4:
        ap.error(f"--eval-videos must be >= 4 (training and validation videos), got {args.eval_videos}")
    return args


def main(argv=None, say=print) -> int:
    args = parse(argv)
    device = "cpu" if args.smoke else ("cuda" if args.device == "auto" else args.device)
    torch.set_num_threads(args.threads)
    if args.smoke:
        why = "--cpu-smoke" if args.cpu_smoke or args.device == "cpu" else "no CUDA device here"
        say(f"no CUDA: running the tiny CPU fallback ({why}); these numbers check the script, not a GPU")
    else:
        say(f"CUDA: {torch.cuda.get_device_name(device)}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    say(f"{os.cpu_count()} CPUs, {args.threads} torch threads, load average {load():.1f}; parts: {' '.join(args.parts)}")
    table = Table(say)
    t_all = time.perf_counter()
    ok = True
    with tempfile.TemporaryDirectory(prefix="videobert-gpu-check-") as tmp:
        for part in args.parts:
            t = time.perf_counter()
            d = Path(tmp) / part
            d.mkdir()
            try:
                PART_FNS[part](args, device, table, d)
            except Exception as e:  # the other parts still run; the table says which failed
                ok = False
                traceback.print_exc()
                if not any(r["part"] == part and not r["ok"] for r in table.rows):
                    table.add(part, "part failed", "FAILED", note=f"{type(e).__name__}: {str(e)[:200]}", ok=False)
            say(f"[{part}] {time.perf_counter() - t:.1f} s")
            if not args.smoke and device.startswith("cuda"):
                torch.cuda.empty_cache()
    say(f"\ngpu_check on {'CPU (smoke)' if args.smoke else torch.cuda.get_device_name(device)}, "
        f"{time.perf_counter() - t_all:.0f} s, load average {load():.1f}:\n")
    say(table.markdown())
    if args.out:
        from videobert.utils.io import atomic_write_json

        atomic_write_json(args.out, {"device": device, "smoke": args.smoke, "rows": table.rows,
                                     "seconds": time.perf_counter() - t_all})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
