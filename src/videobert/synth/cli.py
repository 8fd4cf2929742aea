"""`videobert synth OUT --videos N [--style studio]`: narrated synthetic kitchen videos with ground truth."""
from __future__ import annotations

import argparse
import os
import time

from ..utils.cli import add_config_arguments, config_from_args
from .generator import SynthConfig, generate


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must look like 160x120, got {text!r}") from None
    return w, h


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "synth", help="generate narrated synthetic kitchen videos with known ground truth",
        description="Write N short H.264 videos of cooking steps (a verb and a noun, with a size, a colour and "
                    "where the food goes), WebVTT captions, espeak-ng narration audio (when installed), "
                    "annotations.json (YouCook II format), verbs.txt and nouns.txt. Re-running the same command "
                    "skips finished videos; each --style needs its own OUT. Every SynthConfig field is an option: "
                    "--style kitchen (default; the corpus the pipeline is tuned on) or studio (dark patterned "
                    "backdrops, other colours, a smaller off-centre object, another narrator with other phrasings "
                    "and 1.5x the lag: a held-out style for checking that learning transfers) or hard (12 verbs x 20 nouns, "
                    "long-tailed steps, 10% of the verb-noun pairs only in validation videos, narration that names "
                    "the whole step 40% of the time, previews and off-topic talk, distractors, per-video lighting and "
                    "framing; each is an option, e.g. --style hard --heldout-pairs 0.2); --no-details: plain "
                    "steps (\"cut the tomato\" rather than \"cut the big green tomato and put it in the bowl\"), the "
                    "corpus as written before details existed; --no-audio: captions only.")
    p.add_argument("out", help="output directory")
    add_config_arguments(p, SynthConfig)
    p.add_argument("--size", type=_size, default=None, help="WIDTHxHEIGHT, sets --width and --height (e.g. 160x120)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes rendering videos in parallel (default: min(2, CPUs))")
    from ..utils.progress import add_progress_argument

    add_progress_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    size = dict(width=args.size[0], height=args.size[1]) if args.size else {}
    config = config_from_args(SynthConfig, args, **size)
    t0 = time.perf_counter()
    r = generate(args.out, config, workers=args.workers, progress=not args.no_progress)
    hours = sum(v.duration for v in r.videos) / 3600
    n_val = sum(v.subset == "validation" for v in r.videos)
    print(f"synth: {len(r.videos)} {config.style} videos ({hours * 60:.1f} min; {len(r.videos) - n_val} training, {n_val} validation), "
          f"audio: {'espeak-ng narration' if r.audio else 'none'}, {time.perf_counter() - t0:.1f} s -> {r.out_dir}")
    return 0
