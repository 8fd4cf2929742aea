"""`videobert vocab CORPUS` (fit + assign) and `videobert vocab show DIR` (contact sheet).

Both forms share one parser: the first positional is either a corpus or the word ``show``
(so a corpus directory literally named ``show`` must be given as ``./show``).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from ..utils.cli import add_config_arguments, given_config_args
from .build import VocabConfig

USAGE = """\
videobert vocab CORPUS [--out DIR] [--levels L] [--k K] [--sample N] [--seed S] [--iters I] [--workers N]
       videobert vocab show VOCAB_DIR_OR_CORPUS_OR_MODEL [--out sheet.png] [--top 48]"""

FIT_OPTIONS = tuple(f.name for f in dataclasses.fields(VocabConfig))


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "vocab",
        usage=USAGE,
        help="hierarchical k-means visual vocabulary and token sequences; `vocab show` draws it",
        description="Fit a hierarchical k-means vocabulary on a sample of CORPUS's clip features and write "
        "every video's tokens (default into CORPUS/vocab; re-running resumes). `vocab show` writes a PNG "
        "contact sheet of the most used tokens, one exemplar frame each.",
    )
    p.add_argument("target", nargs="+", metavar="CORPUS | show DIR", help="a corpus, or `show` and a vocabulary/corpus dir")
    p.add_argument("--out", help="fit: vocabulary dir (default CORPUS/vocab); show: PNG path (default VOCAB_DIR/contact_sheet.png)")
    fit = p.add_argument_group("fit options (VocabConfig; with neither --levels nor --k, the tree is chosen from "
                               "the corpus' clips: the paper's 4 x 12 = 20,736 words once each gets enough clips)")
    add_config_arguments(fit, VocabConfig, only_given=True)  # flags and defaults from the config, written once
    assign = p.add_argument_group("assignment (every clip walks the tree; the same tokens with any of these)")
    assign.add_argument("--workers", type=int, default=1, help="worker processes for the assignment (default 1)")
    assign.add_argument("--executor", choices=["local", "ray"], default="local",
                        help="local process pool, or a Ray cluster (RAY_ADDRESS; needs videobert[dist]), as ingest "
                             "(default: %(default)s)")
    from ..utils.progress import add_progress_argument

    add_progress_argument(assign)
    show = p.add_argument_group("show options")
    show.add_argument("--top", type=int, help="how many of the most used tokens to draw (default 48)")
    show.add_argument("--size", type=int, help="tile size in pixels (default 128)")
    from ..utils.media import add_video_dir_argument

    add_video_dir_argument(show)
    p.set_defaults(func=run, _parser=p)


def run(args: argparse.Namespace) -> int:
    parser = args._parser
    if args.target[0] == "show":
        if len(args.target) != 2:
            parser.error("usage: videobert vocab show VOCAB_DIR_OR_CORPUS [--out sheet.png] [--top 48]")
        if any(hasattr(args, o) for o in FIT_OPTIONS):
            parser.error("--levels/--k/--sample/--seed/--iters are fit options; `vocab show` does not take them")
        top, size = 48 if args.top is None else args.top, 128 if args.size is None else args.size
        if top < 1 or size < 16:
            parser.error("--top must be >= 1 and --size >= 16")
        return show(Path(args.target[1]), args.out, top, size)
    if len(args.target) != 1:
        parser.error(f"expected one CORPUS, got {args.target}")
    if args.top is not None or args.size is not None:
        parser.error("--top/--size are options of `vocab show`")
    if args.workers < 1:
        parser.error("--workers must be >= 1")
    return fit(Path(args.target[0]), args.out, given_config_args(VocabConfig, args), args.workers, args.executor,
               progress=not args.no_progress)


def fit(corpus: Path, out: str | None, options: dict, workers: int = 1, executor: str = "local",
        progress: bool = True) -> int:
    from ..corpus import Corpus
    from . import VocabConfig, build_vocab
    from .build import default_out, resolve_tree

    out_dir = Path(out) if out else default_out(corpus)
    if not Corpus(corpus).config.get("tokenizer"):  # a student-tokenized corpus adopts the student's words
        levels, k, chosen, warning = resolve_tree(corpus, options.get("levels"), options.get("k"), out_dir)
        options = {**options, "levels": levels, "k": k}
        print(f"vocabulary tree: {chosen}")
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
    vocab = build_vocab(corpus, VocabConfig(**options), out_dir, progress=progress, workers=workers, executor=executor)
    used = int((vocab.counts > 0).sum())
    print(f"vocabulary: {vocab.num_tokens} tokens (sizes per level {vocab.sizes}), {used} used by "
          f"{int(vocab.counts.sum())} clips; written to {out_dir}")
    thin = int(((vocab.counts > 0) & (vocab.counts <= 2)).sum())
    if used and thin > used / 2:
        print(f"warning: {thin} of the {used} used words ({thin / used:.0%}) hold one or two clips: too few to learn "
              "from; fewer words (smaller --levels/--k, or give neither) fit this corpus better", file=sys.stderr)
    return 0


def show(target: Path, out: str | None, top: int, size: int) -> int:
    from . import VisualVocab
    from .build import default_out
    from .pictures import contact_sheet, save_png

    if (target / "vocab.json").is_file():
        vocab_dir = target
    elif (target / "visual_vocab" / "vocab.json").is_file():  # a saved model (RUN/model) carries its vocabulary
        vocab_dir = target / "visual_vocab"
    else:
        vocab_dir = default_out(target)
    vocab = VisualVocab.load(vocab_dir)
    path = save_png(contact_sheet(vocab, top=top, size=size), out or vocab_dir / "contact_sheet.png")
    print(f"contact sheet of the {min(top, int((vocab.counts > 0).sum()))} most used tokens: {path}")
    return 0
