"""`videobert` command line: a thin layer over the Python API.

Each stage module exposes ``add_parser(subparsers)``; its parser sets ``func`` to a
function taking the parsed ``argparse.Namespace`` and returning an exit status.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .utils.preempt import Preempted, finished_checkpoints

# (module, ...) each defines add_parser(subparsers). Order = order in --help.
COMMAND_MODULES = [
    "videobert.fetch.cli",
    "videobert.ingest.cli",
    "videobert.vocab.cli",
    "videobert.train.cli",
    "videobert.tasks.cli",
    "videobert.tasks.labels_cli",
    "videobert.model.cli",
    "videobert.vision.cli",
    "videobert.synth.cli",
    "videobert.demo",
    "videobert.explore.cli",
]


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(
        prog="videobert",
        description="VideoBERT: joint video-language models from narrated videos.",
        epilog=("A corpus of your own: fetch (optional) -> ingest -> vocab -> pretrain -> eval; labels "
                "writes the zero-shot verb/noun lists, push shares a model, explore looks at it all. "
                "`videobert demo` runs the whole pipeline offline. `videobert COMMAND --help` for each."),
    )
    p.add_argument("--version", action="version", version=f"videobert {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:  # a stage not built yet in this checkout
            if e.name and (name == e.name or name.startswith(e.name + ".")):
                continue
            raise
        mod.add_parser(sub)
    return p


def _interrupted(args: argparse.Namespace) -> str:
    """What Ctrl-C leaves and how to go on, for this command."""
    if args.command == "explore":
        return "stopped"
    if hasattr(args, "resume"):  # a training command: its checkpoints, continued with --resume
        done = finished_checkpoints(getattr(args, "out", None) or ".")
        if not done:
            return "interrupted before the run's first checkpoint: nothing to resume; run the same command to start again"
        return (f"interrupted; the run's last checkpoint ({done[-1]}) is kept: continue it with the same command"
                + (" (with --resume)" if args.resume else " plus --resume"))
    return "interrupted; finished work is saved, re-run the same command to resume"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # our own INFO lines by default (-v: DEBUG); other libraries' only from WARNING up (-vv: all),
    # so e.g. faiss's INFO report of the CPU-feature builds it tried does not show at every `vocab`
    level = logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=logging.DEBUG if args.verbose >= 2 else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("videobert").setLevel(level)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if getattr(args, "video_dir", None):  # --video-dir: moved videos, for every reader in this process and its workers
        from .utils.media import add_video_dirs

        add_video_dirs(args.video_dir)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"videobert {args.command}: {_interrupted(args)}", file=sys.stderr)
        return 130
    except Preempted as e:  # SIGTERM/SIGUSR1 while training: a checkpoint was written
        print(f"videobert {args.command}: {e} (exit status {e.status})", file=sys.stderr)
        return e.status
    except (OSError, ValueError, RuntimeError, ImportError) as e:
        if args.verbose >= 2:
            raise
        print(f"videobert {args.command}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
