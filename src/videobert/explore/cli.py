"""`videobert explore CORPUS [--model RUN/model] [--annotations JSON] [--host] [--port] [--export DIR]`."""
from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("explore", help="a local web page to browse the visual vocabulary, the videos and the model",
                       description="Serve a read-only local web app over a corpus: the visual vocabulary (animated "
                                   "exemplars, usage, words spoken over each word), each video with its token timeline "
                                   "and transcript, and with --model zero-shot labels, forecasts and sentence search. "
                                   "--export DIR writes the vocabulary and video pages as static HTML instead.")
    p.add_argument("corpus", help="corpus directory (from `videobert ingest`, with `videobert vocab` run on it)")
    p.add_argument("--model", default=None, help="pretrained VideoBERT directory (RUN/model): adds zero-shot labels, "
                                                 "forecasts and search")
    p.add_argument("--annotations", default=None, help="YouCook II style JSON: majority verb / noun of each word")
    p.add_argument("--vocab", default=None, help="vocabulary directory (default: CORPUS/vocab)")
    p.add_argument("--cache", default=None, help="cache directory (default: CORPUS/.explore-cache)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port to serve on (default: %(default)s)")
    p.add_argument("--device", default=None, help="torch device for the model (default: CPU)")
    p.add_argument("--export", metavar="DIR", default=None,
                   help="write static HTML of the vocabulary and video pages to DIR (no server, no model)")
    p.add_argument("--no-copy-media", action="store_true",
                   help="with --export: link to the source videos by file URL instead of copying them")
    from ..utils.media import add_video_dir_argument

    add_video_dir_argument(p)
    from ..utils.progress import add_progress_argument

    add_progress_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..utils.lazy import require

    require("flask", "explore", "videobert explore")
    from .app import Explorer
    from .server import export, serve

    model = None if args.export else args.model
    if args.export and args.model:
        print("note: --model is not used with --export: the static pages hold the vocabulary and the videos, not the "
              "model's labels and search (run without --export to browse those)", file=sys.stderr)
    ex = Explorer(args.corpus, model_path=model, annotations=args.annotations, cache_dir=args.cache,
                  vocab_dir=args.vocab, progress=not args.no_progress, device=args.device)
    if args.export:
        out = export(ex, args.export, copy_media=not args.no_copy_media)
        print(f"wrote {out}")
        return 0
    if ex.has_model:
        ex.load_model()
    serve(ex, args.host, args.port)
    return 0
