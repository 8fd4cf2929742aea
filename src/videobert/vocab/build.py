"""Fit a visual vocabulary on a corpus sample, then stream the corpus through it.

`build_vocab` is what `videobert vocab CORPUS` runs: `fit_vocab` (unless the output
directory already holds a vocabulary fitted with the same config, which is then reused)
followed by `assign_corpus`, which writes each video's tokens and finds the exemplar clips.
Both halves are resumable: re-running skips finished videos.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from pathlib import Path
from typing import Iterable

import numpy as np

from ..corpus import Corpus, CorpusError, VideoRecord
from ..utils.config import Config
from ..utils.io import atomic_save_npy
from ..utils.lock import holding_lock
from .batched_kmeans import fit_tree_batched
from .hkmeans import fit_tree
from .vocabulary import NORMALIZE, VisualVocab, normalize_features, token_path

log = logging.getLogger(__name__)

KMEANS = ("faiss", "batched")


@dataclasses.dataclass(frozen=True)
class VocabConfig(Config):
    CHOICES = {"normalize": tuple(NORMALIZE), "kmeans": KMEANS}
    HELP = {"levels": "tree depth (CLI: with neither --levels nor --k, chosen from the corpus' clips)",
            "k": "children per node (CLI: as --levels)", "sample": "clips to fit on, drawn at random (all if fewer)",
            "seed": "random seed", "iters": "k-means iterations per node",
            "normalize": "l2: spherical k-means on L2-normalized features; none: raw features",
            "kmeans": "faiss: one faiss k-means per node; batched: every node of a level at once in torch",
            "device": "torch device of --kmeans batched"}
    levels: int = 4  # tree depth; the paper's 4 x 12 gives 12**4 = 20,736 words
    k: int = 12  # children per node (fewer for nodes with few points, see hkmeans)
    sample: int = 200_000  # clips drawn at random (without replacement) to fit on; all if fewer
    seed: int = 0
    iters: int = 20  # k-means iterations per node
    # Features are L2-normalized before clustering and assignment (spherical k-means). Measured
    # on the demo corpus (issue 6 note): one direction, the feature norm, held 94% of the raw
    # features' variance, so raw k-means spent its splits on it; with "l2" the 144-word
    # vocabulary's majority-label ceiling on held-out clips rose from 0.82/0.77 (verb/noun) to
    # 0.88/0.91. "none" clusters the raw features (the paper's description).
    normalize: str = "l2"
    # How the tree is fitted: "faiss" (one faiss k-means per node, sibling nodes in parallel
    # threads) or "batched" (level-synchronous in torch: every node of a level at once, on
    # `device`); the same tree shape and distortion, see docs/benchmarks.md for which is faster where.
    kmeans: str = "faiss"
    device: str = "cpu"  # for kmeans="batched": "cpu", "cuda", "cuda:1", ...

    def validate(self) -> None:
        if self.normalize not in NORMALIZE:
            self.fail("normalize", self.normalize, f"must be one of {sorted(NORMALIZE)}")
        if self.kmeans not in KMEANS:
            self.fail("kmeans", self.kmeans, f"must be one of {KMEANS}")
        for name, lo in (("levels", 1), ("k", 2), ("sample", 1), ("iters", 1), ("seed", 0)):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < lo:
                self.fail(name, v, f"must be an integer >= {lo}")


def default_out(corpus_root: str | os.PathLike) -> Path:
    return Path(corpus_root) / "vocab"


# ---- a tree that fits the corpus ---------------------------------------------------------
# Training clips a visual word needs before its majority label carries over to held-out clips
# (docs/learning.md, "Vocabulary size"). The paper's 12^4 = 20,736 words had ~2,650 clips each.
MIN_CLIPS_PER_WORD = 20
PAPER_TREE = (4, 12)
SPARSE_CLIPS_PER_WORD = 3  # fewer on average: most words hold one or two clips


def count_clips(corpus_root: str | os.PathLike) -> int:
    """Clips in the corpus (from each video's small .json record)."""
    corpus, ids = _open_corpus(corpus_root)
    return int(sum(corpus.read_meta(v)["num_clips"] for v in ids))


def auto_tree(num_clips: int, min_clips_per_word: int = MIN_CLIPS_PER_WORD) -> tuple[int, int, str]:
    """(levels, k, why): the paper's 4 x 12 when the corpus gives each of its 20,736 words
    `min_clips_per_word` clips; else the tree of at most 4 levels and k <= 12 with the most words
    that still get `min_clips_per_word` clips each (fewer levels on a tie)."""
    levels, k = PAPER_TREE
    words = num_clips // max(min_clips_per_word, 1)
    if words >= k**levels:
        return levels, k, (f"{num_clips:,} clips give each of the paper's {k**levels:,} words "
                           f">= {min_clips_per_word} clips")
    trees = [(min(k, int(max(words, 2) ** (1 / n) + 1e-9)), n) for n in range(1, levels + 1)]
    k, levels = max([t for t in trees if t[0] >= 2] or [(2, 1)], key=lambda t: (t[0] ** t[1], -t[1]))
    return levels, k, (f"{num_clips:,} clips: the paper's {PAPER_TREE[1]}^{PAPER_TREE[0]} = "
                       f"{PAPER_TREE[1]**PAPER_TREE[0]:,} words would get {num_clips / PAPER_TREE[1]**PAPER_TREE[0]:.2f} "
                       f"clips each; {levels} x {k} = {k**levels:,} words get ~{num_clips / k**levels:.0f} "
                       f"(a word needs ~{min_clips_per_word} for its label to carry over to new clips; "
                       "docs/learning.md). Give --levels/--k to choose yourself")


def sparse_tree_warning(num_clips: int, levels: int, k: int) -> str | None:
    """A warning when a levels x k tree leaves its words with one or two clips on average."""
    words = k**levels
    if num_clips >= SPARSE_CLIPS_PER_WORD * words:
        return None
    suggest = auto_tree(num_clips)
    return (f"a {levels} x {k} tree has up to {words:,} words for {num_clips:,} clips ({num_clips / words:.2f} per word): "
            f"most words will hold one or two clips, too few to learn from; for this corpus --levels {suggest[0]} "
            f"--k {suggest[1]} (or give neither) keeps ~{num_clips / suggest[1]**suggest[0]:.0f} clips per word")


def resolve_tree(corpus_root: str | os.PathLike, levels: int | None, k: int | None,
                 out: str | os.PathLike | None = None) -> tuple[int, int, str, str | None]:
    """(levels, k, what was chosen and why, a warning or None) for `videobert vocab`.

    Neither given: the tree of the vocabulary already in `out` (a re-run resumes it), else
    `auto_tree` of the corpus' clips. Either given: that (the other from `VocabConfig`), with
    `sparse_tree_warning` when it leaves most words with one or two clips."""
    clips = count_clips(corpus_root)
    if levels is None and k is None:
        meta = Path(out if out is not None else default_out(corpus_root)) / "vocab.json"
        if meta.is_file():
            from ..utils.io import read_json

            cfg = read_json(meta).get("config", {})
            if isinstance(cfg.get("levels"), int) and isinstance(cfg.get("k"), int):
                return cfg["levels"], cfg["k"], (f"{cfg['levels']} levels x k={cfg['k']}, the tree of the vocabulary "
                                                 f"already in {meta.parent} (give --levels/--k to fit another)"), None
        levels, k, why = auto_tree(clips)
        return levels, k, f"{levels} levels x k={k} (up to {k**levels:,} words), chosen from the corpus: {why}", None
    levels = VocabConfig.levels if levels is None else levels
    k = VocabConfig.k if k is None else k
    return levels, k, f"{levels} levels x k={k} (up to {k**levels:,} words) for {clips:,} clips", \
        sparse_tree_warning(clips, levels, k)


def _open_corpus(corpus_root: str | os.PathLike) -> tuple[Corpus, list[str]]:
    corpus = Corpus(corpus_root)
    corpus.manifest  # raises a clear error if this is not a corpus
    ids = corpus.video_ids()
    if not ids:
        raise CorpusError(f"corpus {corpus.root} has no videos; ingest some with `videobert ingest VIDEOS --out {corpus.root}`")
    return corpus, ids


def _features(rec: VideoRecord, dim: int | None, where: str) -> np.ndarray:
    """The video's clip features as float32 (N, D), checking D."""
    if dim is not None and rec.features.shape[1] != dim:
        raise ValueError(
            f"video {rec.video_id!r} has feature_dim {rec.features.shape[1]} but {where} has {dim}; "
            "a vocabulary only applies to features from the same backbone and size"
        )
    return np.asarray(rec.features, dtype=np.float32)


def sample_features(corpus_root: str | os.PathLike, n: int, seed: int, progress: bool = False) -> np.ndarray:
    """`n` clip features drawn uniformly without replacement (all if fewer), float32 (n, D), in corpus order."""
    corpus, ids = _open_corpus(corpus_root)
    # sizes from the small .json files first; then open only the videos the sample touches,
    # one at a time (a memory map per video for 300K videos would exhaust file handles)
    sizes = np.array([corpus.read_meta(vid)["num_clips"] for vid in _bar(ids, progress, "counting clips", "video")], np.int64)
    total = int(sizes.sum())
    if total == 0:
        raise CorpusError(f"corpus {corpus.root} has {len(ids)} videos but no clips; nothing to fit a vocabulary on")
    rows = np.arange(total) if n >= total else np.sort(np.random.default_rng(seed).choice(total, n, replace=False))
    starts = np.concatenate([[0], np.cumsum(sizes)])
    lo = np.searchsorted(rows, starts[:-1])  # rows[lo[i]:hi[i]] fall in video i
    hi = np.searchsorted(rows, starts[1:])
    x, first = None, None
    for i in _bar(np.flatnonzero(hi > lo), progress, "sampling clips", "video"):
        rec = corpus.read(ids[i])
        if x is None:
            first, x = rec.video_id, np.empty((len(rows), rec.features.shape[1]), np.float32)
        x[lo[i]:hi[i]] = _features(rec, x.shape[1], f"video {first!r}")[rows[lo[i]:hi[i]] - starts[i]]
    return x


def fit_vocab(corpus_root: str | os.PathLike, config: VocabConfig, out: str | os.PathLike | None = None,
              progress: bool = False) -> VisualVocab:
    """Fit the tree on a sample of the corpus' clips and save it to `out` (default CORPUS/vocab).

    Any token files already in `out` belonged to a previous vocabulary and are removed.
    """
    out = Path(out) if out is not None else default_out(corpus_root)
    ingest_config = Corpus(corpus_root).config
    if ingest_config.get("tokenizer"):
        raise ValueError(f"{corpus_root} was tokenized by the distilled student {ingest_config['tokenizer']} "
                         "(`ingest --tokenizer`): its features are student embeddings, not backbone features, "
                         "and its tokens are the student's; `videobert vocab` adopts the student's vocabulary "
                         "(build_vocab / adopt_student) instead of fitting one")
    x = normalize_features(sample_features(corpus_root, config.sample, config.seed, progress), config.normalize)
    log.info("fitting a %d-level, k=%d vocabulary on %d clips of dimension %d", config.levels, config.k, *x.shape)
    if config.kmeans == "batched":
        centroids, parents = fit_tree_batched(x, config.levels, config.k, config.seed, config.iters, config.device)
    else:
        centroids, parents = fit_tree(x, config.levels, config.k, config.seed, config.iters)
    vocab = VisualVocab(centroids, parents, {**config.to_dict(), "sample_used": len(x), "ingest": ingest_config})
    log.info("vocabulary sizes per level: %s (%d tokens)", vocab.sizes, vocab.num_tokens)
    if (out / "tokens").exists():
        log.warning("removing token files of a previous vocabulary in %s", out / "tokens")
        shutil.rmtree(out / "tokens")
    vocab.save(out)
    return vocab


def assign_corpus(corpus_root: str | os.PathLike, vocab: VisualVocab, out: str | os.PathLike | None = None,
                  progress: bool = False, batch_clips: int = 16384, workers: int = 1,
                  executor: str = "local", slice_videos: int = 256) -> VisualVocab:
    """Write every video's tokens to `out`/tokens, skipping videos already done; fill in usage
    counts and exemplars (over all videos, done before or now) and save the vocabulary to `out`.

    Videos are streamed one at a time and assigned in batches of about `batch_clips` clips. With
    `workers` > 1 or ``executor="ray"`` the videos are cut into slices of `slice_videos`, mapped
    over worker processes (`utils.executors`, as ingest) that load the vocabulary from `out`;
    their counts and exemplars are merged in slice order, so the result does not depend on the
    number of workers.
    """
    out = Path(out) if out is not None else default_out(corpus_root)
    corpus, ids = _open_corpus(corpus_root)
    total = _AssignStats(vocab.num_tokens)
    if workers > 1 or executor == "ray":
        from ..utils.executors import map_unordered

        if not (out / "vocab.json").is_file():
            vocab.save(out)  # the workers read it from there
        slices = [ids[i : i + slice_videos] for i in range(0, len(ids), slice_videos)]
        jobs = [(str(corpus.root), str(out), i, sl, batch_clips) for i, sl in enumerate(slices)]
        bar = _bar(None, progress, "assigning videos", unit="video", total=len(ids))
        waiting: dict[int, _AssignStats] = {}
        for i, part in map_unordered(_assign_slice_job, jobs, workers, executor):
            waiting[i] = part
            if bar is not None:
                bar.update(len(slices[i]))
            while total.slices in waiting:  # merge in slice order: ties go to the earlier video, as in one process
                total.merge(waiting.pop(total.slices))
        if bar is not None:
            bar.close()
    else:
        total.merge(_assign_ids(corpus, vocab, out, _bar(ids, progress, "assigning videos", unit="video"), batch_clips))
    log.info("tokens: %d videos assigned, %d already done, in %s", total.assigned, total.skipped, out / "tokens")
    vocab.counts, vocab.exemplars = total.counts, total.exemplars
    vocab.save(out)
    return vocab


@dataclasses.dataclass
class _AssignStats:
    """Usage counts and exemplars (nearest clip per leaf) of the videos assigned so far."""

    num_tokens: dataclasses.InitVar[int]
    counts: np.ndarray = None
    best_d: np.ndarray = None
    exemplars: list = None
    assigned: int = 0
    skipped: int = 0
    slices: int = 0  # parts merged

    def __post_init__(self, num_tokens: int):
        self.counts = np.zeros(num_tokens, np.int64)
        self.best_d = np.full(num_tokens, np.inf)
        self.exemplars = [None] * num_tokens

    def merge(self, part: "_AssignStats") -> None:
        self.counts += part.counts
        better = part.best_d < self.best_d  # strict: an earlier part keeps a tie
        self.best_d[better] = part.best_d[better]
        for leaf in np.flatnonzero(better):
            self.exemplars[leaf] = part.exemplars[leaf]
        self.assigned += part.assigned
        self.skipped += part.skipped
        self.slices += 1


def _assign_slice_job(corpus_root: str, out: str, index: int, ids: list[str], batch_clips: int):
    """A worker's job: one slice of videos; returns (slice index, its stats)."""
    vocab = VisualVocab.load(out)
    return index, _assign_ids(Corpus(corpus_root), vocab, Path(out), ids, batch_clips)


def _assign_ids(corpus: Corpus, vocab: VisualVocab, out: Path, ids: Iterable[str], batch_clips: int) -> _AssignStats:
    """Tokens of `ids` (skipping videos whose token file is there and fits), with their stats."""
    stats = _AssignStats(vocab.num_tokens)
    # (id, record, features, tokens if done); the token file is named by the id the corpus listed
    # (a validated file name, which `Corpus.read` checked the record's own id against)
    pending: list[tuple[str, VideoRecord, np.ndarray, np.ndarray | None]] = []

    def flush() -> None:
        todo = [(rec, x) for _, rec, x, tok in pending if tok is None]
        if todo:
            x_all = np.concatenate([x for _, x in todo])  # already prepared (normalized) below
            leaves = np.split(vocab.assign(x_all, prepared=True), np.cumsum([len(x) for _, x in todo])[:-1])
            new = iter(leaves)
        for vid, rec, x, tok in pending:
            if tok is None:
                tok = next(new)
                atomic_save_npy(token_path(out, vid), tok.astype(np.int32))
                stats.assigned += 1
            else:
                stats.skipped += 1
            stats.counts[:] += np.bincount(tok, minlength=vocab.num_tokens)
            _update_exemplars(rec, x, tok, vocab.leaf_centroids, stats.best_d, stats.exemplars)
        pending.clear()

    n_pending = 0
    for vid in ids:
        rec = corpus.read(vid)
        if rec.num_clips == 0:
            continue
        x = vocab.prepare(_features(rec, vocab.feature_dim, "the vocabulary"))  # as the centroids were fitted
        path, tok = token_path(out, vid), None
        if path.is_file():
            tok = np.load(path, allow_pickle=False).astype(np.int64)
            if len(tok) != rec.num_clips:  # the video was re-ingested since: assign it again
                tok = None
        pending.append((vid, rec, x, tok))
        n_pending += rec.num_clips
        if n_pending >= batch_clips:
            flush()
            n_pending = 0
    flush()
    return stats


def _update_exemplars(rec: VideoRecord, x: np.ndarray, tok: np.ndarray, leaf_centroids: np.ndarray,
                      best_d: np.ndarray, exemplars: list) -> None:
    d = np.einsum("nd,nd->n", x - leaf_centroids[tok], x - leaf_centroids[tok])  # (N,) squared distance to own leaf
    order = np.lexsort((d, tok))  # by leaf, then distance: the first row of each leaf is its nearest clip
    first = order[np.concatenate([[True], np.diff(tok[order]) != 0])]
    for i in first[d[first] < best_d[tok[first]]]:
        leaf = int(tok[i])
        best_d[leaf] = d[i]
        exemplars[leaf] = {"leaf": leaf, "video_id": rec.video_id, "clip_index": int(i),
                           "start": float(rec.clip_starts[i]), "source": rec.source}


def _locked_out(corpus_root, config=None, out=None, *args, **kwargs) -> Path:
    """The vocabulary directory `build_vocab` locks (`utils.lock`), once `corpus_root` is known to be a corpus."""
    Corpus(corpus_root).manifest  # a clear error (and no folder made) for a directory that is not a corpus
    return Path(out) if out is not None else default_out(corpus_root)


def _clean_temp_files(out: Path) -> None:
    """Remove the atomic-write temp files (``.NAME.*.tmp``) a killed run left in `out` and its token
    shards; called holding `out`'s lock, so none of them belongs to a running writer."""
    n = 0
    for d in [out, *sorted((out / "tokens").glob("*"))]:
        for f in d.glob(".*.tmp") if d.is_dir() else ():
            f.unlink(missing_ok=True)
            n += 1
    if n:
        log.info("removed %d temp file(s) left by an interrupted run in %s", n, out)


@holding_lock(_locked_out, "videobert vocab", "use another --out, or wait and re-run to reuse its vocabulary")
def build_vocab(corpus_root: str | os.PathLike, config: VocabConfig, out: str | os.PathLike | None = None,
                progress: bool = False, workers: int = 1, executor: str = "local") -> VisualVocab:
    """Fit (or reuse a matching vocabulary in `out`) and assign the whole corpus; for a corpus a
    distilled student tokenized at ingest, adopt the student's vocabulary and tokens instead.
    One writer at a time (`utils.lock`): a second `build_vocab` of the same `out` is refused."""
    out = Path(out) if out is not None else default_out(corpus_root)
    _clean_temp_files(out)
    if Corpus(corpus_root).config.get("tokenizer"):
        return adopt_student(corpus_root, out, progress)
    if (out / "vocab.json").is_file():
        vocab = VisualVocab.load(out)
        fitted = {k: vocab.config.get(k) for k in config.to_dict()}
        fitted["normalize"] = vocab.normalize  # saved before the option existed: raw features ("none")
        fitted["kmeans"] = vocab.config.get("kmeans", "faiss")  # saved before the option existed: faiss
        fitted["device"] = vocab.config.get("device", "cpu")
        if fitted != config.to_dict() or vocab.config.get("ingest") != Corpus(corpus_root).config:
            raise ValueError(_refit_message(out, fitted, config.to_dict(), vocab.config.get("ingest") or {},
                                            Corpus(corpus_root).config or {}, corpus_root))
        log.info("reusing the vocabulary in %s; assigning videos not done yet", out)
    else:
        vocab = fit_vocab(corpus_root, config, out, progress)
    return assign_corpus(corpus_root, vocab, out, progress, workers=workers, executor=executor)


def _changes(old: dict, new: dict) -> list[str]:
    """``name old -> new`` for each key whose value differs (a key one side lacks: ``(none)``)."""
    show = lambda v: "(none)" if v is None else repr(v) if isinstance(v, str) else str(v)  # noqa: E731
    return [f"{k} {show(old.get(k))} -> {show(new.get(k))}" for k in dict.fromkeys([*old, *new])
            if old.get(k) != new.get(k)]


def _refit_message(out: Path, fitted: dict, requested: dict, fitted_ingest: dict, corpus_ingest: dict,
                   corpus_root) -> str:
    """Why the vocabulary in `out` cannot be reused, naming only the fields that differ
    (the vocabulary's -> this run's), and what to do."""
    options, ingest = _changes(fitted, requested), _changes(fitted_ingest, corpus_ingest)
    parts = [f"options {', '.join(options)}"] if options else []
    if ingest:
        parts.append(f"the corpus' ingest config {', '.join(ingest)} (re-ingested since the vocabulary was fitted)")
    if options and not ingest and all(fitted[k] is not None for k in fitted if fitted[k] != requested.get(k)):
        # the options alone differ: the vocabulary's own flags reuse it
        flags = " ".join(f"--{k.replace('_', '-')} {fitted[k]}" for k in fitted if fitted[k] != requested.get(k))
        todo = f"pass {flags} to reuse it, or"
    else:
        todo = ""
    return (f"{out} already holds a vocabulary fitted with other settings than this run on {corpus_root}: "
            f"{'; '.join(parts)}; {todo} fit into another --out directory, or delete {out} to fit anew")


def adopt_student(corpus_root: str | os.PathLike, out: str | os.PathLike | None = None,
                  progress: bool = False) -> VisualVocab:
    """The vocabulary stage of a corpus tokenized at ingest by a distilled student
    (``ingest --tokenizer STUDENT``): copy the student's teacher vocabulary (its visual words'
    centroids and exemplars) into `out` and write every video's stored tokens (the records'
    ``meta["student_tokens"]``) as token files, so pretraining reads them as it reads any
    `videobert vocab` output. Resumable: videos with a token file are skipped."""
    from ..utils.io import read_json

    out = Path(out) if out is not None else default_out(corpus_root)
    corpus, ids = _open_corpus(corpus_root)
    student = Path(corpus.config["tokenizer"])
    src = Path(read_json(student / "student.json")["vocab"])
    if not (src / "vocab.json").is_file():
        raise FileNotFoundError(f"{corpus_root} was tokenized by the student {student}, whose teacher vocabulary "
                                f"{src} is missing (it holds the visual words' centroids and exemplars)")
    out.mkdir(parents=True, exist_ok=True)
    for name in ("vocab.npz", "vocab.json"):
        if not (out / name).is_file():
            shutil.copyfile(src / name, out / f".{name}.tmp")
            os.replace(out / f".{name}.tmp", out / name)
    vocab = VisualVocab.load(out)
    done = 0
    for vid in _bar(ids, progress, "student tokens", unit="video"):
        path = token_path(out, vid)
        if path.is_file():
            continue
        tokens = corpus.read_meta(vid).get("meta", {}).get("student_tokens")
        if tokens is None:
            raise ValueError(f"video {vid!r} of {corpus_root} has no student tokens in its record; it was ingested "
                             "before ingest kept them there: ingest it again (delete its files in CORPUS/videos)")
        atomic_save_npy(path, np.asarray(tokens, dtype=np.int32))
        done += 1
    log.info("adopted the vocabulary of student %s (%d words); tokens of %d videos written, %d already there",
             student, vocab.num_tokens, done, len(ids) - done)
    return vocab


def _bar(items: Iterable | None, progress: bool, desc: str, unit: str = "it", total: int | None = None):
    """`items` with a progress bar (when `progress`); with items None, the bar itself (or None)."""
    if not progress:
        return items
    from ..utils.progress import progress as reporter

    return reporter(items, desc=desc, unit=unit, total=total)
