"""Command-line inputs -> (video_id, path) pairs.

An input is a video file, a folder (searched recursively for video extensions), or a text
list (``.txt``/``.lst``/``.list``: one path per line, ``#`` comments, relative paths are
relative to the list file). A named path that does not exist is kept, so that it is reported
as a failed (unreadable) video instead of silently skipped; so are a dangling symlink named like
a video in a folder and an empty directory named like a video (``x.mp4/``); but when not one
input exists (a mistyped folder), `check_inputs_exist` is an error, before the corpus folder is
made. A folder without videos is a warning; a list that includes itself or is not UTF-8 is an
error naming the file. One file reached several times (twice in a list, a list and a folder, a
symlink beside its target) is one video: inputs are de-duplicated by their resolved real path.

A folder scan logs one line for the files it passed over that are not videos by their extension
(``.gif``, ``.m4a``; not the caption, JSON and path-list files that go with videos: `SIDECAR_EXTS`).
It does not go into hidden folders, nor into the folders below the input that hold a videobert
corpus (``manifest.json``) or a site written by ``videobert explore --export`` (whose ``media/``
holds copies of corpus videos, which would come back as new videos), with one line naming them.
A file whose name is not UTF-8 (a Latin-1 ``caf\\xe9.mp4`` from an old archive) is left out with a
warning naming it: the corpus records each video's source path in UTF-8 JSON.

video2dataset shards (`videobert.ingest.shards`): a ``.tar`` file, a brace pattern such as
``shards/{00000..00099}.tar`` (when no file has that very name), or the ``.tar`` files in a folder;
each sample of a shard is one input ``/abs/SHARD.tar#KEY.mp4`` whose id base is its key.

Video ids (`assign_ids`) are stable and unique per source file:

- The base of an id is the stem of the real file (a symlink's target, so the spelling that
  reached it does not matter), made a valid id (`videobert.corpus.check_video_id`): accents
  dropped (``Küche`` -> ``Kuche``), other characters than ASCII letters, digits, ``.``, ``_``
  and ``-`` become ``_``, runs of dots one dot, a leading dot ``_``; at most 150 characters; a
  non-ASCII stem with no ASCII letter or digit left (``日本語の料理``) is ``video``. In a folder,
  ``._NAME`` files (macOS metadata beside a copied video) are not videos.
- A video whose id is already in the corpus is "already done" only when the stored record's
  source is the same resolved file; looked for under the plain base and the hashed ids below,
  of the real file's stem and of the stem as given (an earlier version named a symlinked video
  after the link), and under the bases of earlier versions (accents made ``_``), so corpora of
  every earlier version keep their ids.
- Otherwise it gets the plain base when no stored record and no other video of the batch takes
  it; of several new videos sharing a base, the one whose resolved path sorts first gets it.
  The others get ``BASE-<first 8 hex of sha1(resolved path)>`` (16, then 40 hex in the
  unlikely case that one is taken by another file too).

So the ids do not depend on the order of the inputs, a second ``clip.mp4`` from another folder
never overwrites or skips the first one, and re-running a batch skips exactly its finished videos.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable

from ..corpus import FORMAT as CORPUS_FORMAT, VIDEO_EXTS, check_video_id
from ..utils.io import read_json
from ..utils.media import split_source
from . import shards
from .captions import CAPTION_EXTS

log = logging.getLogger(__name__)

LIST_EXTS = {".txt", ".lst", ".list"}
MAX_BASE = 150  # id base length: leaves room for "-<40 hex>" within the 201 characters of a valid id
HASH_LENGTHS = (8, 16, 40)
# Files that go with videos, not skipped videos: captions, JSON (annotations, caption JSON, fetch's
# ID.info.json and failures.json), path lists, URL lists and video2dataset's shard tables.
SIDECAR_EXTS = frozenset({*CAPTION_EXTS, ".json", *LIST_EXTS, ".csv", ".tsv", ".parquet"})
# Written by `videobert explore --export` into its site (explore.app); sites exported before it
# existed are known by their page and script (`_not_scanned`).
EXPLORE_EXPORT_MARKER = ".videobert-explore-export"


def real_path(p: str | os.PathLike) -> Path:
    """The file's resolved real path (symlinks followed; a missing path resolved as far as it goes)."""
    return Path(os.path.realpath(p))


def check_inputs_exist(inputs: Iterable[str | os.PathLike]) -> None:
    """ValueError when not one of `inputs` exists: a mistyped folder is told at once, before a
    corpus folder and its failures.json are made for it. When some exist, the missing ones are
    ingest's failures (`expand_inputs` keeps them)."""
    inputs = [str(i) for i in inputs]
    if not inputs or any(_exists(i) for i in inputs):
        return
    if len(inputs) == 1:
        raise ValueError(f"{inputs[0]}: no such file or folder; nothing ingested (check the path)")
    raise ValueError(f"{', '.join(inputs)}: no such files or folders; nothing ingested (check the paths)")


def _exists(item: str) -> bool:
    if os.path.lexists(item):  # a dangling symlink too: it is reported as an unreadable video
        return True
    if shards.has_braces(item):  # 'shards/{00000..00099}.tar'
        return any(os.path.lexists(p) for p in shards.expand_braces(item))
    member = split_source(item)  # SHARD.tar#KEY.mp4
    return member is not None and os.path.lexists(member[0])


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Absolute paths in input order; folders sorted; one entry per real file (the first
    spelling of a file reached several times, e.g. through a symlink, is the one kept); files
    whose names are not UTF-8 left out with a warning (module docstring)."""
    out: dict[Path, Path] = {}  # real path -> the path as given (absolute)
    _expand(inputs, out)
    paths, not_utf8 = [], []
    for p in out.values():
        (paths if _is_utf8(p) else not_utf8).append(p)
    if not_utf8:
        shown = ", ".join(_shown(p) for p in not_utf8[:5]) + (f" and {len(not_utf8) - 5} more" if len(not_utf8) > 5 else "")
        log.warning("left out %d file(s) whose names are not UTF-8 (the corpus records source paths as UTF-8): %s; "
                    "rename them to UTF-8 to ingest them, e.g. `convmv -f latin1 -t utf-8 --notest -r FOLDER`",
                    len(not_utf8), shown)
    return paths


def _is_utf8(p: Path) -> bool:
    """Whether the path is UTF-8 text: a name in another encoding decodes (surrogateescape) to a
    string with lone surrogates, which no UTF-8 writer takes."""
    try:
        str(p).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(p: Path) -> str:
    """`p` printable: bytes that are not UTF-8 as ``\\xe9``."""
    return os.fsencode(p).decode("utf-8", "backslashreplace")


def _expand(inputs: Iterable[str | os.PathLike], out: dict[Path, Path], lists: tuple[Path, ...] = ()) -> None:
    """`lists`: the real paths of the path lists being read (an outer list first), to refuse a
    list that includes itself, directly or through others."""
    for item in inputs:
        if shards.has_braces(str(item)) and not os.path.lexists(item):  # 'shards/{00000..00099}.tar'
            _expand(shards.expand_braces(str(item)), out, lists)
            continue
        p = Path(item)
        videos, others = _folder_videos(p) if p.is_dir() else ([], {})
        if videos or (p.is_dir() and p.suffix.lower() not in VIDEO_EXTS):
            for f in videos:
                out.setdefault(real_path(f), f.absolute())
            if not videos:
                log.warning("%s: folder holds no video files (%s)%s; nothing to ingest from it", p,
                            " ".join(sorted(VIDEO_EXTS)), _other_files(p))
            elif others:
                n = sum(others.values())
                log.info("%s: skipped %s: %s; name a file directly to ingest it", p,
                         f"{n} files that are not videos by their extension" if n > 1 else
                         "1 file that is not a video by its extension", _by_count(others))
        elif p.suffix.lower() in shards.SHARD_EXTS and p.is_file():
            for f in _shard_videos(p):
                out.setdefault(real_path(f), f)
        elif p.suffix.lower() in LIST_EXTS and p.is_file():
            real = real_path(p)
            if real in lists:
                chain = " -> ".join(str(x) for x in (*lists[lists.index(real):], real))
                raise ValueError(f"{p}: path list includes itself ({chain}); remove that line")
            try:
                text = p.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as e:
                raise ValueError(f"{p}: path list is not UTF-8 text ({e}); save it as UTF-8") from None
            lines = [ln.strip() for ln in text.splitlines()]
            _expand([p.parent / ln for ln in lines if ln and not ln.startswith("#")], out, (*lists, real))
        else:
            out.setdefault(real_path(p), p.absolute())


def _folder_videos(folder: Path) -> tuple[list[Path], dict[str, int]]:
    """The video files under `folder`, sorted, and the count by extension of the other files
    passed over (not `SIDECAR_EXTS`, not hidden). A dangling symlink named like a video is kept (it
    is reported as a failed, unreadable video); a directory named like one is skipped with a
    warning; a corpus or explore export below `folder` is not scanned (one line names them)."""
    videos: list[Path] = []
    others: dict[str, int] = {}
    why_not: dict[tuple[str, ...], str | None] = {}  # folder (its parts below `folder`) -> why it is not scanned
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder).parts
        # hidden folders hold other tools' work in progress (fetch's .partial/, explore's .explore-cache/)
        if any(part.startswith(".") for part in rel[:-1]):
            continue
        if any(_why_not(folder, rel[:i], why_not) for i in range(1, len(rel))):
            continue
        ext = f.suffix.lower()
        if ext in shards.SHARD_EXTS and f.is_file():
            videos.extend(_shard_videos(f))
            continue
        if ext not in VIDEO_EXTS or f.name.startswith("._"):  # ._NAME: macOS metadata, not a video
            if ext not in SIDECAR_EXTS and not f.name.startswith(".") and f.is_file():
                others[ext or "(no extension)"] = others.get(ext or "(no extension)", 0) + 1
            continue
        if f.is_file() or (f.is_symlink() and not f.exists()):
            videos.append(f)
        elif f.is_dir() and not _why_not(folder, rel, why_not):
            log.warning("%s: a directory named like a video file, skipped (videos inside it are ingested)", f)
    skipped = sorted((Path(*d).as_posix(), why) for d, why in why_not.items() if why)
    if skipped:
        log.info("%s: not scanned: %s; name such a folder directly to ingest the videos in it", folder,
                 ", ".join(f"{d}/ ({why})" for d, why in skipped))
    return videos, others


def _why_not(folder: Path, parts: tuple[str, ...], cache: dict[tuple[str, ...], str | None]) -> str | None:
    """Why the folder `parts` below `folder` is not scanned, None if it is (cached in `cache`)."""
    if parts not in cache:
        cache[parts] = _not_scanned(folder.joinpath(*parts))
    return cache[parts]


def _not_scanned(d: Path) -> str | None:
    """Why the videos in folder `d` are not new videos: a videobert corpus (its clips are features,
    not videos; what other tools write in it are pictures and copies), or an explore export (its
    ``media/`` holds copies of the corpus videos, under their ids: ingesting them would put each
    video in the corpus twice, maybe on both sides of the held-out split). None otherwise."""
    if (d / "manifest.json").is_file():
        try:
            manifest = read_json(d / "manifest.json")
        except (OSError, ValueError):  # another tool's manifest, or unreadable: an ordinary folder
            manifest = None
        if isinstance(manifest, dict) and str(manifest.get("format", "")).startswith(CORPUS_FORMAT.split("/")[0] + "/"):
            return "a videobert corpus"
    if (d / EXPLORE_EXPORT_MARKER).is_file() or (
            (d / "index.html").is_file() and (d / "static" / "explore.js").is_file()):  # exported before the marker
        return "a `videobert explore --export` site: copies of corpus videos"
    return None


def _by_count(counts: dict[str, int]) -> str:
    """'.gif x2, .m4a x1': the five commonest extensions first, then how many more kinds."""
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    more = f" and {len(top) - 5} more kinds" if len(top) > 5 else ""
    return ", ".join(f"{ext} x{n}" for ext, n in top[:5]) + more


def _other_files(folder: Path) -> str:
    """What a folder without videos holds instead, by extension (for the warning): ', only .m4a x2, .gif x1'."""
    counts: dict[str, int] = {}
    for f in folder.rglob("*"):
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(folder).parts):
            ext = f.suffix.lower() or "(no extension)"
            counts[ext] = counts.get(ext, 0) + 1
    if not counts:
        return ", it is empty"
    return ", only " + _by_count(counts)


def _shard_videos(tar: Path) -> list[Path]:
    """The video sources of a shard (`shards.shard_sources`); a tar that cannot be read is kept
    as the one input, so that it is reported as a failure with the reason."""
    try:
        return [Path(s) for s in shards.shard_sources(tar.absolute())]
    except (OSError, shards.tarfile.TarError) as e:
        log.warning("%s: not a readable uncompressed tar shard (%s); reported as a failure", tar, e)
        return [tar.absolute()]


def _stem(p: Path) -> str:
    """The id stem of an input: a shard sample's key, else the file's stem."""
    key = shards.member_key(p)
    return key if key is not None else p.stem


def id_base(stem: str) -> str:
    """`stem` made a valid video id (see the module docstring)."""
    if stem.isascii():
        return _legacy_id_base(stem)
    folded = "".join(c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c))
    return _legacy_id_base(folded) if re.search(r"[A-Za-z0-9]", folded) else "video"


def _legacy_id_base(stem: str) -> str:
    """The id base before accents were folded (ingest before 2026-12-07): kept to find the
    videos an earlier version stored."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", stem)
    base = re.sub(r"\.{2,}", ".", base)
    if base.startswith("."):
        base = "_" + base[1:]
    base = base[:MAX_BASE] or "video"
    return check_video_id(base)


def _hashed(base: str, path: Path, n: int) -> str:
    # the path's bytes as the file system has them: the UTF-8 of the name for a UTF-8 name (the ids
    # of earlier versions), and a name that is not UTF-8 (a Latin-1 'caf\xe9.mp4') hashes too
    return f"{base}-{hashlib.sha1(os.fsencode(path)).hexdigest()[:n]}"


def assign_ids(paths: list[Path], stored_source: Callable[[str], str | None] | None = None) -> list[tuple[str, Path]]:
    """(video_id, path) for each path, in the same order, by the rule in the module docstring.

    `stored_source(video_id)`: the source recorded for an id already in the corpus, None if the
    id is free (None: an empty corpus).
    """
    lookup = stored_source or (lambda vid: None)
    cache: dict[str, str | None] = {}

    def stored(vid: str) -> Path | None:
        if vid not in cache:
            cache[vid] = lookup(vid)
        return None if cache[vid] is None else real_path(cache[vid])

    reals = [real_path(p) for p in paths]
    bases = [id_base(_stem(r)) for r in reals]
    ids: list[str | None] = [None] * len(paths)
    # 1. videos already in the corpus, under any id this rule (or an earlier version's) gave them
    for i, (p, real) in enumerate(zip(paths, reals)):
        olds = (id_base(_stem(p)), _legacy_id_base(_stem(real)), _legacy_id_base(_stem(p)))
        candidates = (v for base in dict.fromkeys((bases[i], *olds))
                      for v in [base] + [_hashed(base, h, n) for h in dict.fromkeys((real, p.absolute()))
                                         for n in HASH_LENGTHS])
        ids[i] = next((vid for vid in candidates if stored(vid) == real), None)
    taken = {vid for vid in ids if vid is not None}
    # 2. new videos: the plain base when free, else the hashed forms; by resolved path, so the
    # outcome does not depend on the input order
    for i in sorted((i for i in range(len(paths)) if ids[i] is None), key=lambda i: str(reals[i])):
        options = [bases[i]] + [_hashed(bases[i], reals[i], n) for n in HASH_LENGTHS]
        vid = next((v for v in options if v not in taken and stored(v) is None), None)
        if vid is None:  # all taken: 40 hex of sha1 shared with another file
            raise ValueError(f"{paths[i]}: no free video id (tried {options}); rename the file")
        ids[i] = vid
        taken.add(vid)
    return list(zip(ids, paths))  # type: ignore[arg-type]


def moved_away(jobs: list[tuple[str, Path]], stored_source: Callable[[str], str | None]) -> list[tuple[Path, str, str]]:
    """``(path, corpus id, recorded source)`` for each video of `jobs` not yet in the corpus whose
    plain id base names a corpus video whose recorded source file is gone: most likely the same
    video, moved or its folder renamed. Ingest cannot tell a moved file from a new one of the
    same name (their bytes may differ), so these become new videos beside the old records."""
    out = []
    for vid, path in jobs:
        base = id_base(_stem(real_path(path)))
        if vid == base:
            continue  # took the plain id: no corpus video of that name
        old = stored_source(base)
        if old is not None and not Path(old.split("#", 1)[0]).exists():  # a shard sample: its .tar
            out.append((path, base, old))
    return out
