"""`VisualVocab`: a fitted hierarchical k-means tree, its files, and per-video token files.

Layout of a vocabulary directory (default ``CORPUS/vocab/``)::

    vocab.npz                    centroids_<l> (n_l, D) float32, parents_<l> (n_l,) int64, l = 0..levels-1
    vocab.json                   format, config (fit config + the corpus' ingest config), feature_dim,
                                 sizes per level, num_tokens, counts per leaf, exemplars per leaf
    tokens/<shard>/<video_id>.npy  (num_clips,) int32 leaf ids, shard = videobert.corpus.shard_of(video_id)

The tree arrays are described in `videobert.vocab.hkmeans`. A token (leaf id) is a row of
the last level. ``exemplars[leaf]`` is the clip nearest that leaf's centroid among the clips
assigned to it ({"leaf", "video_id", "clip_index", "start", "source"}), or None for a leaf
no clip of the assigned corpus uses; it and ``counts`` are filled in by `assign_corpus`.
"""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus import check_video_id, shard_of
from ..utils.io import atomic_write_bytes, atomic_write_json, read_json
from .hkmeans import child_offsets, walk

FORMAT = "videobert-vocab/1"
NORMALIZE = ("l2", "none")


def normalize_features(x, mode: str) -> np.ndarray:
    """float32 (N, D) features as the vocabulary clusters them: unit L2 norm ("l2") or unchanged ("none")."""
    x = np.asarray(x, dtype=np.float32)
    if mode == "none":
        return x
    if mode != "l2":
        raise ValueError(f"unknown feature normalization {mode!r}; expected one of {NORMALIZE}")
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norm, 1e-12)  # an all-zero feature stays zero


class VisualVocab:
    def __init__(
        self,
        centroids: list[np.ndarray],
        parents: list[np.ndarray],
        config: dict[str, Any],
        counts: np.ndarray | None = None,
        exemplars: list[dict[str, Any] | None] | None = None,
    ):
        if len(centroids) != len(parents) or not centroids:
            raise ValueError("a vocabulary needs one centroid array and one parent array per level")
        self.centroids = [np.ascontiguousarray(c, dtype=np.float32) for c in centroids]
        self.parents = [np.asarray(p, dtype=np.int64) for p in parents]
        for lvl in range(1, self.levels):
            p, n_up = self.parents[lvl], len(self.centroids[lvl - 1])
            # children are contiguous blocks in parent order and every node has >= 1 child
            if len(p) != len(self.centroids[lvl]) or not np.array_equal(np.unique(p), np.arange(n_up)) or np.any(np.diff(p) < 0):
                raise ValueError(f"level {lvl}: parents must be sorted and give every node of level {lvl - 1} a child")
        self.config = dict(config)
        self.counts = np.zeros(self.num_tokens, np.int64) if counts is None else np.asarray(counts, np.int64)
        self.exemplars = list(exemplars) if exemplars is not None else [None] * self.num_tokens
        # (num_tokens, levels): node id at each level on the path from the root to each leaf
        path = [np.arange(self.num_tokens)]
        for lvl in range(self.levels - 1, 0, -1):
            path.append(self.parents[lvl][path[-1]])
        self.leaf_paths = np.stack(path[::-1], axis=1)

    # ---- shape of the tree ------------------------------------------------------------------
    @property
    def levels(self) -> int:
        return len(self.centroids)

    @property
    def k(self) -> int:
        return int(self.config["k"])

    @property
    def feature_dim(self) -> int:
        return int(self.centroids[0].shape[1])

    @property
    def normalize(self) -> str:
        # vocabularies saved before the option existed clustered raw features
        return str(self.config.get("normalize", "none"))

    def prepare(self, features) -> np.ndarray:
        """Features as the centroids live: float32, normalized like the fitted clips."""
        return normalize_features(features, self.normalize)

    @property
    def sizes(self) -> list[int]:
        return [len(c) for c in self.centroids]

    @property
    def num_tokens(self) -> int:
        return len(self.centroids[-1])

    @property
    def num_coarse(self) -> int:
        return len(self.centroids[0])

    @property
    def leaf_centroids(self) -> np.ndarray:
        return self.centroids[-1]  # (num_tokens, D)

    def coarse_of(self, leaf_ids) -> np.ndarray:
        """First-level cluster of each leaf id."""
        return self.leaf_paths[np.asarray(leaf_ids, dtype=np.int64), 0]

    def children(self, level: int, node: int) -> range:
        """Rows of level `level + 1` that are children of row `node` of level `level`."""
        off = child_offsets(self.parents[level + 1], len(self.centroids[level]))
        return range(int(off[node]), int(off[node + 1]))

    # ---- assignment -----------------------------------------------------------------------
    def assign(self, features, batch_size: int = 65536, prepared: bool = False) -> np.ndarray:
        """Leaf id of each raw feature vector (N, D) -> (N,) int64, walking the tree level by level.

        The features are normalized here as they were for fitting (`prepare`), unless `prepared`
        says the caller already did."""
        x = np.asarray(features)
        if x.ndim != 2 or x.shape[1] != self.feature_dim:
            raise ValueError(f"features of shape {x.shape} do not match the vocabulary's feature_dim {self.feature_dim}")
        out = np.empty(len(x), np.int64)
        for i in range(0, len(x), batch_size):
            chunk = x[i:i + batch_size]
            chunk = chunk.astype(np.float32, copy=False) if prepared else self.prepare(chunk)
            out[i:i + batch_size] = walk(chunk, self.centroids, self.parents)
        return out

    def tokens(self, record: Any) -> np.ndarray:
        """`VisualTokenizer` (`videobert.vocab.tokenizer`): the leaf id of each clip of a
        `videobert.corpus.VideoRecord`, assigned from its features. (num_clips,) int64"""
        return assign_record(self, record)

    # ---- files ---------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Path:
        """Write vocab.npz then vocab.json, each atomically (vocab.json marks a complete save)."""
        d = Path(directory)
        arrays = {f"centroids_{level}": c for level, c in enumerate(self.centroids)}
        arrays.update({f"parents_{level}": p for level, p in enumerate(self.parents)})
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        atomic_write_bytes(d / "vocab.npz", buf.getvalue())
        self.save_json(d)
        return d

    def save_json(self, directory: str | os.PathLike) -> Path:
        return atomic_write_json(Path(directory) / "vocab.json", {
            "format": FORMAT,
            "config": self.config,
            "feature_dim": self.feature_dim,
            "levels": self.levels,
            "sizes": self.sizes,
            "num_tokens": self.num_tokens,
            "counts": self.counts.tolist(),
            "exemplars": self.exemplars,
        })

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "VisualVocab":
        d = Path(directory)
        jpath, npath = d / "vocab.json", d / "vocab.npz"
        if not jpath.is_file() or not npath.is_file():
            raise FileNotFoundError(f"{d} is not a visual vocabulary (needs vocab.json and vocab.npz); make one with `videobert vocab CORPUS`")
        meta = read_json(jpath)
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
            raise ValueError(f"{jpath}: unknown format {got!r}, expected {FORMAT!r}")
        fix = "the file is damaged; rebuild the vocabulary with `videobert vocab CORPUS` (or copy it again)"
        if not isinstance(meta.get("levels"), int) or not isinstance(meta.get("config"), dict):
            raise ValueError(f"{jpath}: no integer 'levels' or no 'config' mapping; {fix}")
        with open(npath, "rb") as f:
            if f.read(4) != b"PK\x03\x04":  # an .npz is a zip archive
                raise ValueError(f"{npath}: not a NumPy .npz archive; {fix}")
        try:
            with np.load(npath, allow_pickle=False) as z:
                levels = int(meta["levels"])
                centroids = [z[f"centroids_{level}"] for level in range(levels)]
                parents = [z[f"parents_{level}"] for level in range(levels)]
        except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as e:
            raise ValueError(f"{npath}: not a readable vocabulary array file ({type(e).__name__}: {e}); "
                             f"{fix}") from None
        vocab = cls(centroids, parents, meta["config"], meta.get("counts"), meta.get("exemplars"))
        if vocab.sizes != meta["sizes"]:
            raise ValueError(f"{npath} does not match {jpath}: sizes {vocab.sizes} != {meta['sizes']}")
        return vocab


def assign_record(vocab: Any, record: Any) -> np.ndarray:
    """``vocab.assign`` of a record's clip features, refusing features of another width (a corpus
    ingested with other settings than the vocabulary's). (num_clips,) int64"""
    feats = np.asarray(record.features, dtype=np.float32)  # (N, D)
    if feats.ndim != 2 or feats.shape[1] != vocab.feature_dim:
        raise ValueError(f"video {record.video_id!r} ({record.source}) has {feats.shape[-1]}-d features but the "
                         f"visual vocabulary expects {vocab.feature_dim}-d (ingest config and vocabulary do not match)")
    return np.asarray(vocab.assign(feats), dtype=np.int64)


# ---- token files ---------------------------------------------------------------------------------
def token_path(vocab_dir: str | os.PathLike, video_id: str) -> Path:
    """``VOCAB/tokens/<shard>/<video_id>.npy``; an id that is not a plain file name (see
    `videobert.corpus.check_video_id`) is refused, so no token file lands outside `vocab_dir`."""
    check_video_id(video_id)
    return Path(vocab_dir) / "tokens" / shard_of(video_id) / f"{video_id}.npy"


def read_tokens(vocab_dir: str | os.PathLike, video_id: str) -> np.ndarray:
    """The leaf id of each clip of a video, (num_clips,) int64."""
    path = token_path(vocab_dir, video_id)
    if not path.is_file():
        raise FileNotFoundError(f"no tokens for video {video_id!r} in {vocab_dir} (expected {path}); run `videobert vocab CORPUS`")
    return np.load(path, allow_pickle=False).astype(np.int64)


def token_video_ids(vocab_dir: str | os.PathLike) -> list[str]:
    """Sorted ids of the videos that have token files."""
    tdir = Path(vocab_dir) / "tokens"
    if not tdir.is_dir():
        return []
    return sorted(p.name[: -len(".npy")] for shard in tdir.iterdir() if shard.is_dir() for p in shard.glob("*.npy"))
