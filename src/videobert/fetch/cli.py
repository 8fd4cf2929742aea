"""`videobert fetch urls|youcook2|howto100m ... --out DIR`: thin CLI over `videobert.fetch`."""
from __future__ import annotations

import argparse
import sys

from ..utils.cli import add_config_arguments, config_from_args
from ..utils.progress import add_progress_argument
from .config import FetchConfig

EPILOG = ("DIR then holds ID.mp4, ID.en.vtt and ID.info.json per video: `videobert ingest DIR --out CORPUS` "
          "takes it as it is. Re-running the same command skips complete videos and retries the failed ones; "
          "failures.json in DIR lists each failed video with its reason; the exit status is 1 if any failed.")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "fetch", help="download videos + captions (yt-dlp) into a folder that `videobert ingest` reads",
        description="Download videos (default 360p) with their English captions as ID.en.vtt and a small "
                    "ID.info.json, through yt-dlp (pip install 'videobert[fetch]').", epilog=EPILOG)
    sub = p.add_subparsers(dest="source", metavar="SOURCE")

    u = sub.add_parser("urls", help="a list of URLs (.txt, or .csv/.tsv/.parquet with url[,video_id,start,end])",
                       epilog=EPILOG)
    u.add_argument("list", metavar="LIST", help=".txt (one URL a line) or .csv/.tsv/.parquet with a 'url' column "
                   "and optional 'video_id', 'start', 'end' (seconds; a section needs ffmpeg)")
    _common(u)
    u.set_defaults(func=run_urls)

    y = sub.add_parser("youcook2", help="YouCook II's videos (from YouTube or the raw-video archive)", epilog=EPILOG)
    y.add_argument("--annotations", required=True, metavar="PATH_OR_URL",
                   help="youcookii_annotations_trainval.json (a path or URL; also inside a .zip/.tar.gz); copied to "
                        "DIR/annotations.json")
    y.add_argument("--split", choices=("training", "validation", "all"), default="all",
                   help="which videos (default: %(default)s)")
    y.add_argument("--archive", metavar="PATH_OR_URL",
                   help="take the videos from the dataset's raw-video archive (a folder, .zip or .tar[.gz], or its "
                        "URL) instead of YouTube, found by YouTube id in the file names")
    _common(y)
    y.set_defaults(func=run_youcook2)

    h = sub.add_parser("howto100m", help="HowTo100M videos of an id list, with raw_caption.json as ID.en.vtt",
                       epilog=EPILOG)
    h.add_argument("--ids", required=True, metavar="FILE",
                   help=".txt (one YouTube id a line) or .csv with a video_id column (e.g. HowTo100M_v1.csv)")
    h.add_argument("--captions", required=True, metavar="JSON",
                   help="HowTo100M's raw_caption.json (or its .zip); each listed video's entry becomes ID.en.vtt")
    h.add_argument("--url-template", default="https://www.youtube.com/watch?v={id}", metavar="TEMPLATE",
                   help="where an id's video is, {id} filled in, e.g. a mirror (default: %(default)s)")
    _common(h, subs_default="none")
    h.set_defaults(func=run_howto100m)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    return p


def _common(p: argparse.ArgumentParser, subs_default: str = "auto") -> None:
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created or resumed)")
    add_config_arguments(p, FetchConfig, skip=("merge_ext",))
    p.set_defaults(subs=subs_default)
    for action in p._actions:
        if action.dest == "subs" and action.help:
            action.help = action.help.replace("(default: 'auto')", f"(default: {subs_default!r})")
    add_progress_argument(p)


def _config(args: argparse.Namespace) -> FetchConfig:
    return config_from_args(FetchConfig, args, skip=("merge_ext",))


def _report(summary, out: str) -> int:
    print(f"videobert fetch: {summary}; folder: {out}")
    if summary.failed:
        print(f"{summary.failed} video(s) failed; reasons in {out}/failures.json (re-run to retry them):",
              file=sys.stderr)
        for f in summary.failures[:10]:
            print(f"  {f['video_id']}: [{f['kind']}] {f['reason']}", file=sys.stderr)
        return 1
    return 0


def run_urls(args: argparse.Namespace) -> int:
    from . import fetch_urls

    return _report(fetch_urls(args.list, args.out, _config(args), not args.no_progress), args.out)


def run_youcook2(args: argparse.Namespace) -> int:
    from . import fetch_youcook2

    summary = fetch_youcook2(args.annotations, args.out, _config(args), args.split, args.archive,
                             not args.no_progress)
    return _report(summary, args.out)


def run_howto100m(args: argparse.Namespace) -> int:
    from . import fetch_howto100m

    summary = fetch_howto100m(args.ids, args.captions, args.out, _config(args), not args.no_progress,
                              args.url_template)
    return _report(summary, args.out)
