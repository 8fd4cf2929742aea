"""`videobert pretrain CORPUS --out RUN`: thin CLI over `videobert.train.pretrain`.

Single process: ``videobert pretrain CORPUS --out RUN --init minilm``.
DDP: ``torchrun --nproc_per_node N -m videobert pretrain CORPUS --out RUN ...`` (add
``--nnodes/--node_rank/--master_addr`` for several nodes, as with any torchrun job).
"""
from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("pretrain", help="pretrain VideoBERT (text-only, video-only, video-text objectives)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", help="corpus directory written by `videobert ingest`")
    p.add_argument("--out", required=True, help="run directory (checkpoints, metrics, RUN/model)")
    p.add_argument("--vocab", help="visual vocabulary directory (default: CORPUS/vocab)")
    p.add_argument("--config", help="YAML file of PretrainConfig fields; CLI flags override it")
    p.add_argument("--init", help="bert-base-uncased | bert-large-uncased | a local BERT dir | minilm | scratch")
    p.add_argument("--size", choices=["tiny", "small", "base", "large"], help="model size with --init scratch")
    p.add_argument("--max-steps", type=int, help="optimizer steps (default: 8 epochs, at least 6,000 from scratch / "
                                                  "1,500 from a pretrained BERT; printed at the start)")
    p.add_argument("--epochs", type=float, help="passes over the corpus (instead of --max-steps)")
    p.add_argument("--batch-size", type=int, help="examples per process per micro-batch")
    p.add_argument("--grad-accum", type=int)
    p.add_argument("--lr", type=float, help="peak learning rate (default by --init: 1e-3 tiny/small from scratch, "
                                            "2e-4 minilm or base/large from scratch, 1e-4 a pretrained BERT-base/large)")
    p.add_argument("--seed", type=int, help="seed of the weights, the example stream and the masks (default 0)")
    p.add_argument("--device", help="auto | cpu | cuda")
    p.add_argument("--save-every", type=int)
    p.add_argument("--tensorboard", action="store_true", default=None, help="also log to RUN/tb (needs videobert[tensorboard])")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any PretrainConfig field (YAML value syntax), e.g. --set vt_text_mask_rate=0.3")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--force", action="store_true",
                   help="accept a --vocab fitted on a corpus ingested with other feature settings than CORPUS")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    from .config import load_config
    from .loop import pretrain

    overrides = {k: getattr(args, k) for k in ("init", "size", "max_steps", "epochs", "batch_size", "grad_accum", "lr",
                                               "seed", "device", "save_every", "tensorboard")}
    for kv in args.set:
        if "=" not in kv:
            raise ValueError(f"--set {kv!r}: expected KEY=VALUE")
        k, v = kv.split("=", 1)
        overrides[k.strip()] = yaml.safe_load(v)
    cfg_file = args.config
    saved = Path(args.out) / "config.json"
    if args.resume and cfg_file is None and saved.is_file():
        cfg_file = saved  # JSON is YAML: continue with the run's own config
    config = load_config(cfg_file, overrides)
    model_dir = pretrain(args.corpus, args.out, config, vocab_dir=args.vocab, resume=args.resume,
                         progress=not args.no_progress, force=args.force)
    print(f"model saved to {model_dir} (load with videobert.load_model({str(model_dir)!r}))")
    return 0
