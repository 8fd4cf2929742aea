"""`videobert distill`: DeiT distillation of the visual tokenizer (thin layer over vision.distill)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..utils.cli import add_config_arguments, config_from_args


def add_parser(subparsers) -> None:
    from .config import DistillConfig

    p = subparsers.add_parser(
        "distill",
        help="train a DeiT student that predicts the visual tokens from raw frames",
        description="Distill the visual tokenizer (S3D features + k-means vocabulary) into a ViT with a "
        "distillation token (DeiT). Resumable: add --resume to the same command to continue an interrupted run. With --eval, evaluate "
        "an existing student instead: agreement with the teacher on its held-out videos and "
        "tokenization speed (clips/s) of teacher vs. student.",
    )
    p.add_argument("corpus", help="corpus directory (videobert ingest)")
    p.add_argument("--vocab", help="vocabulary directory (default: CORPUS/vocab)")
    p.add_argument("--out", required=True, help="student directory")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint (one per epoch)")
    p.add_argument("--eval", action="store_true", help="evaluate the student in --out instead of training")
    p.add_argument("--speed-videos", type=int, default=4, help="held-out videos timed by --eval (0: no timing) (default: %(default)s)")
    from ..utils.media import add_video_dir_argument

    add_video_dir_argument(p)
    add_config_arguments(p, DistillConfig)
    from ..utils.progress import add_progress_argument

    add_progress_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .config import DistillConfig
    from .distill import distill
    from .evaluate import evaluate_student

    vocab = args.vocab or str(Path(args.corpus) / "vocab")
    if args.eval:
        result = evaluate_student(args.out, args.corpus, vocab, speed_videos=args.speed_videos, device=args.device)
        from ..utils.io import atomic_write_json

        atomic_write_json(Path(args.out) / "eval.json", result)
    else:
        config = config_from_args(DistillConfig, args)
        result = distill(args.corpus, vocab, args.out, config, progress=not args.no_progress, resume=args.resume)
    print(json.dumps(result, indent=2))
    return 0
