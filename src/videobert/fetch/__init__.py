"""`videobert fetch`: videos from YouTube lists, YouCook II and HowTo100M into a folder that
`videobert ingest` takes as it is (``ID.mp4`` + ``ID.en.vtt`` + ``ID.info.json``; ``failures.json``).

    from videobert.fetch import FetchConfig, fetch_urls, fetch_youcook2, fetch_howto100m
    summary = fetch_urls("urls.csv", "videos/", FetchConfig(height=360, workers=4))

yt-dlp is the ``fetch`` extra (``pip install 'videobert[fetch]'``), imported when a download starts.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from ..utils.io import atomic_write_bytes
from .batch import FetchSummary, fetch_from_archive, fetch_items
from .config import FetchConfig
from .download import KINDS, FetchItem, classify, fetch_one
from .sources import (
    YOUTUBE_URL,
    howto100m_items,
    load_captions,
    read_annotation_file,
    read_ids,
    read_url_list,
    youcook2_items,
)

log = logging.getLogger(__name__)

ANNOTATIONS = "annotations.json"

__all__ = ["FetchConfig", "FetchItem", "FetchSummary", "KINDS", "classify", "fetch_one", "fetch_items",
           "fetch_urls", "fetch_youcook2", "fetch_howto100m", "ANNOTATIONS"]


def fetch_urls(url_list: str | os.PathLike, out: str | os.PathLike, config: FetchConfig | None = None,
               show_progress: bool = True) -> FetchSummary:
    """The videos of a URL list (.txt / .csv / .tsv / .parquet) into `out`."""
    return fetch_items(read_url_list(url_list), out, config, show_progress)


def fetch_youcook2(annotations: str, out: str | os.PathLike, config: FetchConfig | None = None, split: str = "all",
                   archive: str | None = None, show_progress: bool = True) -> FetchSummary:
    """YouCook II's videos of `split` into `out`, from YouTube or from the raw-video `archive`; the
    annotation file is copied, byte for byte, to ``OUT/annotations.json`` (for ``videobert ingest
    --annotations`` and ``videobert eval --annotations``)."""
    out = Path(out)
    parsed, data = read_annotation_file(annotations, out / ".archive")
    items = youcook2_items(parsed["database"], split, annotations)
    atomic_write_bytes(out / ANNOTATIONS, data)
    log.info("YouCook II %s: %d videos; annotations copied to %s", split, len(items), out / ANNOTATIONS)
    if archive:
        return fetch_from_archive(items, archive, out, config, show_progress)
    return fetch_items(items, out, config, show_progress)


def fetch_howto100m(ids: str | os.PathLike, captions: str | os.PathLike, out: str | os.PathLike,
                    config: FetchConfig | None = None, show_progress: bool = True,
                    url_template: str = YOUTUBE_URL) -> FetchSummary:
    """The videos of an id list into `out`, each with its raw_caption.json entry as ``ID.en.vtt``
    (`url_template`: where an id's video is, ``{id}`` filled in; YouTube by default)."""
    config = config or FetchConfig(subs="none")
    id_list = read_ids(ids)
    caps = load_captions(captions, id_list)
    items, missing = howto100m_items(id_list, caps, str(captions), url_template)
    if missing:
        log.warning("%d of %d ids have no entry in %s (e.g. %s); they are fetched %s", len(missing), len(id_list),
                    captions, ", ".join(missing[:3]),
                    "without captions" if config.subs == "none" else f"with YouTube's captions (--subs {config.subs})")
    return fetch_items(items, out, config, show_progress)
