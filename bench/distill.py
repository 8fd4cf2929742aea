"""Benchmark: DeiT student vs. teacher (S3D + k-means vocabulary) as visual tokenizers.

Builds, unless given, a synthetic pipeline: `videobert synth` kitchen videos -> ingest
(S3D, random weights) -> 2-level vocabulary -> `distill` for a few epochs; then reports
held-out agreement (leaf top-1/top-5, first-level top-1, with chance and majority references)
and tokenization speed (clips/s, decode included) of teacher and student on the same videos,
same machine, one run. Prints JSON; with --out also writes it there.

    python bench/distill.py                       # synthetic, defaults below
    python bench/distill.py --corpus C --student S  # an existing corpus + distilled student
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

import torch


def build_synthetic(work: Path, args) -> tuple[Path, Path, Path]:
    from videobert.ingest import IngestConfig, ingest
    from videobert.synth import SynthConfig, generate
    from videobert.vision.config import DistillConfig
    from videobert.vision.distill import distill
    from videobert.vocab import VocabConfig, build_vocab

    t = {}
    t0 = time.perf_counter()
    synth = generate(work / "videos", SynthConfig(videos=args.videos, audio=False, seed=args.seed))
    t["synth_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ingest([synth.video_path(v.video_id) for v in synth.videos], work / "corpus",
           IngestConfig(weights="random", size=args.teacher_size), progress=False)
    t["ingest_s"] = time.perf_counter() - t0
    vocab_dir = work / "corpus" / "vocab"
    build_vocab(work / "corpus", VocabConfig(levels=2, k=args.k), vocab_dir)
    t0 = time.perf_counter()
    cfg = DistillConfig(epochs=args.epochs, img_size=args.student_size, depth=args.depth, frames=args.frames,
                        batch_size=32, seed=args.seed)
    distill(work / "corpus", vocab_dir, work / "student", cfg)
    t["distill_s"] = time.perf_counter() - t0
    print(json.dumps({"pipeline_seconds": t}), flush=True)
    return work / "corpus", vocab_dir, work / "student"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus"), p.add_argument("--vocab"), p.add_argument("--student")
    p.add_argument("--videos", type=int, default=12, help="synthetic videos (25%% held out)")
    p.add_argument("--teacher-size", type=int, default=112)
    p.add_argument("--k", type=int, default=12, help="vocabulary: 2 levels of k")
    p.add_argument("--student-size", type=int, default=112)
    p.add_argument("--depth", type=int, default=12)
    p.add_argument("--frames", type=int, default=4)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--speed-videos", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--work", help="keep the synthetic videos, corpus and student here (default: a temp dir)")
    p.add_argument("--out", help="write the JSON result here")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from videobert.vision.evaluate import evaluate_student

    with tempfile.TemporaryDirectory() as tmp:
        if args.student:
            corpus, vocab, student = args.corpus, args.vocab, Path(args.student)
        else:
            corpus, vocab, student = build_synthetic(Path(args.work or tmp), args)
        result = evaluate_student(student, corpus, vocab, speed_videos=args.speed_videos, device=args.device)
    result["torch_threads"] = torch.get_num_threads()
    result["load_average"] = os.getloadavg()[0]  # other jobs on the machine slow every timing above
    result["device"] = torch.cuda.get_device_name() if torch.cuda.is_available() and args.device != "cpu" else "cpu"
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
