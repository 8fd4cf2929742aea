"""`videobert labels ANNOTATIONS --out DIR`: the zero-shot label files by part-of-speech tagging."""
from __future__ import annotations

import argparse
import time

from .annotations import SUBSETS


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "labels", help="verbs.txt / nouns.txt: the most common verbs and nouns of the captions (spaCy)",
        description="Parse every caption of a YouCook II style annotation file (spaCy part-of-speech tags and "
        "dependencies; verb = the main verb, noun = the head of its object) and write the most common verbs "
        "and nouns to DIR/verbs.txt and DIR/nouns.txt, most common first, each count in a comment: the label "
        "files of `videobert eval zeroshot --verbs --nouns`. Needs spaCy and an English pipeline: "
        "`python -m spacy download en_core_web_sm`, or offline `pip install 'videobert[labels-offline]'`.",
    )
    p.add_argument("annotations", help="YouCook II style annotation JSON")
    p.add_argument("--out", required=True, help="directory for verbs.txt and nouns.txt")
    p.add_argument("--verbs", type=int, default=45, help="verbs to keep (default 45, the paper's)")
    p.add_argument("--nouns", type=int, default=100, help="nouns to keep (default 100, the paper's)")
    p.add_argument("--subset", default="training", choices=[*SUBSETS, "all"],
                   help="whose captions (default training, as the paper; all: every subset)")
    p.set_defaults(func=run, _parser=p)


def run(args: argparse.Namespace) -> int:
    from .labels import label_lists

    if args.verbs < 1 or args.nouns < 1:
        args._parser.error("--verbs and --nouns must be >= 1")
    subset = None if args.subset == "all" else args.subset
    t0 = time.perf_counter()
    found = label_lists(args.annotations, args.verbs, args.nouns, subset)
    seconds = time.perf_counter() - t0
    verbs_path, nouns_path = found.write(args.out, f"{args.annotations} ({args.subset})")
    cover = found.coverage()
    print(f"parsed {found.captions} captions in {seconds:.1f} s; {len(found.verb_counts)} distinct verbs, "
          f"{len(found.noun_counts)} distinct nouns")
    print(f"wrote {verbs_path} ({len(found.verbs)} verbs, {cover[0]:.1%} of the captions) and "
          f"{nouns_path} ({len(found.nouns)} nouns, {cover[1]:.1%})")
    if len(found.verbs) < args.verbs or len(found.nouns) < args.nouns:
        print(f"note: fewer distinct labels than asked for ({len(found.verbs)} verbs, {len(found.nouns)} nouns)")
    return 0
