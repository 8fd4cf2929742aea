"""`videobert push MODEL user/name`: a saved model to the Hugging Face Hub, with a model card.

Thin over `videobert.model.hub.push_to_hub`."""
from __future__ import annotations

import argparse

from .hub import DEFAULT_LICENSE


def run(args: argparse.Namespace) -> int:
    from .hub import plan_push, push_to_hub

    common = dict(report=args.report, find_report_=not args.no_report, card=args.card, license=args.license,
                  datasets=args.dataset or (), tags=args.tag or ())
    if args.dry_run:
        plan = plan_push(args.model, args.repo_id, **common)
        print(plan.card)
        print(f"--- would upload to {args.repo_id}" + (f" (branch {args.revision})" if args.revision else "") + ":")
        for path in plan.paths:
            print(f"  {path}")
        if plan.report:
            print(f"the card's numbers come from {plan.report}")
        return 0
    info = push_to_hub(args.model, args.repo_id, private=True if args.private else None, token=args.token,
                       branch=args.revision, commit_message=args.commit_message, create_pr=args.create_pr, **common)
    print(f"pushed {args.model} to {getattr(info, 'commit_url', None) or args.repo_id}")
    print(f'load it with: videobert.load_model("{args.repo_id}"'
          + (f', revision="{args.revision}"' if args.revision else "") + ")")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "push", help="upload a saved model to the Hugging Face Hub with a generated model card",
        description="Upload MODEL (a saved model folder, e.g. RUN/model, or a run holding model/) to the Hugging "
        "Face Hub model repository REPO_ID (created when missing) in one commit, with a model card (README.md): "
        "YAML metadata (library_name, tags, license, datasets), the corpus, text and features the model was "
        "trained on, and the numbers of the newest `videobert eval all` report of the run. Log in first "
        "(`hf auth login`) or give --token. `videobert.load_model(\"REPO_ID\")` then loads it anywhere.")
    p.add_argument("model", help="saved model folder (RUN/model)")
    p.add_argument("repo_id", help="Hub model id, user/name or org/name")
    p.add_argument("--private", action="store_true", help="create the repository private (an existing one keeps "
                                                          "its visibility)")
    p.add_argument("--revision", "--branch", dest="revision", metavar="BRANCH",
                   help="push to this branch (created from main when missing; default main)")
    p.add_argument("--token", help="Hugging Face access token with write access (default: the logged-in one, "
                                   "HF_TOKEN)")
    p.add_argument("--commit-message", help="commit message (default: 'Upload VideoBERT model (N files)')")
    p.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing")
    card = p.add_argument_group("model card")
    card.add_argument("--report", help="report.json whose numbers the card shows (default: the newest eval report "
                                       "of this model in its run, its run's parent or their subfolders)")
    card.add_argument("--no-report", action="store_true", help="no evaluation numbers in the card")
    card.add_argument("--license", default=DEFAULT_LICENSE,
                      help="license id in the card's metadata (default: %(default)s, the code's; mind the "
                           "terms of the videos you trained on)")
    card.add_argument("--dataset", action="append", metavar="ID",
                      help="Hub dataset id the model was trained on (repeatable; for the card's metadata)")
    card.add_argument("--tag", action="append", metavar="TAG", help="extra tag (repeatable)")
    card.add_argument("--card", help="upload this markdown file as README.md instead of the generated card")
    p.add_argument("--dry-run", action="store_true",
                   help="print the card and the files that would be uploaded; contact nobody")
    p.set_defaults(func=run)
