"""Pretrain VideoBERT on a corpus (with its visual vocabulary) into RUN; RUN/model is the model.

Single process: ``videobert pretrain CORPUS --out RUN --init minilm``. Every `PretrainConfig`
field is a flag (generated from the config, so defaults are written once); ``--config FILE``
reads them from YAML first, and ``--set KEY=VALUE`` takes a YAML value.
DDP: ``torchrun --nproc_per_node N -m videobert pretrain CORPUS --out RUN ...`` (add
``--nnodes/--node_rank/--master_addr`` for several nodes, as with any torchrun job).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..utils.cli import add_config_arguments, given_config_args
from ..utils.io import read_json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("pretrain", help="pretrain VideoBERT: masked visual words (video only) and "
                                               "video-text pairs (masked words, alignment, text-to-video)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", help="corpus directory written by `videobert ingest`")
    p.add_argument("--out", required=True, help="run directory (checkpoints, metrics, RUN/model)")
    p.add_argument("--vocab", help="visual vocabulary directory (default: CORPUS/vocab)")
    p.add_argument("--config", help="YAML file of PretrainConfig fields; the flags below override it")
    from .config import PretrainConfig

    add_config_arguments(p, PretrainConfig, only_given=True)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any PretrainConfig field (YAML value syntax), e.g. --set vt_text_mask_rate=0.3")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--force", action="store_true",
                   help="accept a --vocab fitted on a corpus ingested with other feature settings than CORPUS")
    from ..utils.progress import add_progress_argument

    add_progress_argument(p)
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace):
    """The run's `PretrainConfig`: defaults < the ``--config`` file (or, with ``--resume``, the run's
    own config.json) < the flags given < ``--set``."""
    from ..utils.config import parse_overrides
    from .config import PretrainConfig, load_config

    given = given_config_args(PretrainConfig, args)
    given.update(parse_overrides(args.set, "--set"))  # a bad value: one line naming the flag
    cfg_file = args.config
    saved = Path(args.out) / "config.json"
    if args.resume and cfg_file is None and saved.is_file():
        cfg_file = saved  # JSON is YAML: continue with the run's own config
        if "stream_chunk_videos" not in read_json(saved):  # a run from before streaming: in memory
            given.setdefault("stream_chunk_videos", 0)
    config = load_config(cfg_file)
    try:
        config = PretrainConfig.from_dict({**config.to_dict(), **given})
    except (TypeError, ValueError) as e:
        raise ValueError(f"pretrain flags: {e}") from e
    return config


def run(args: argparse.Namespace) -> int:
    from .loop import pretrain

    config = config_from_args(args)
    model_dir = pretrain(args.corpus, args.out, config, vocab_dir=args.vocab, resume=args.resume,
                         progress=not args.no_progress, force=args.force)
    print(f"model saved to {model_dir} (load with videobert.load_model({str(model_dir)!r}))")
    return 0
