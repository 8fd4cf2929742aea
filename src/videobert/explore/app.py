"""The explorer's library: indices over a corpus, cached pictures, and the model's answers.

Everything heavy happens once and lands on disk under the cache directory (default
``CORPUS/.explore-cache``), every file written atomically:

- ``index-<fingerprint>.json``: built at startup by one pass over the corpus (each video's
  metadata, tokens and features read once): per video its source, clip starts, tokens and
  sentences; per visual word its usage count, its nearest clips (distance of the clip feature to
  the word's centroid), a sample of its clips, the words most often spoken over it (transcript
  sentences overlapping its clips, stop words dropped) and, with annotations, its majority verb /
  noun; the sentence segments (clips overlapping each sentence) for search. The fingerprint
  covers the vocabulary files, the corpus' video ids and the annotation file, so a changed corpus
  gets a fresh index.
- ``exemplars/<leaf>.gif``: a few frames of each of a word's nearest clips (made on first use).
- ``thumbs/<shard>/<video>-<clip>.jpg``: the middle frame of a clip (made on first use).
- ``model-<fingerprint>/video/<id>.json`` and ``.../search/<sha1>.json``: the model's zero-shot
  labels and forecasts per video, and search results per query.

No request reads more than the files of the one video or word it shows; search scores the
in-memory segment index (vectorized) and re-ranks the best few with the model.
"""
from __future__ import annotations

import hashlib
import heapq
import io
import json
import logging
import mimetypes
import os
import shutil
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..corpus import Corpus, CorpusError, is_valid_video_id, shard_of
from ..utils.io import atomic_write_bytes, atomic_write_json, atomic_write_text, read_json
from ..utils.media import locate, split_source
from .cache import choose_cache

log = logging.getLogger(__name__)

INDEX_FORMAT = "videobert-explore-index/1"
NEAREST = 4  # clips per word in its animated exemplar
CLIPS_PER_WORD = 200  # clips listed on a word page (the most typical first)
SPOKEN_TOP = 8
FRAME_OFFSETS = (0.25, 0.75, 1.25)  # seconds into a clip: the GIF frames of each clip
GIF_SIZE = 112
THUMB_SIZE = 160
SEARCH_CANDIDATES = 32  # segments the model re-ranks per query
SEARCH_TOP = 10
VIDEOS_PER_PAGE = 200  # rows of the video list per page


def content_words(sentence: str) -> list[str]:
    from ..tasks.annotations import FILLERS, STOP_WORDS, words

    return [w for w in words(sentence) if w not in STOP_WORDS and w not in FILLERS]


def _stat(path: Path) -> list:
    try:
        st = path.stat()
        return [str(path.resolve()), st.st_size, st.st_mtime_ns]
    except OSError:
        return [str(path), None, None]


# What the common browsers play in a <video>: containers and video codecs, as FFmpeg names them.
BROWSER_CONTAINERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "ogg")
BROWSER_CODECS = ("h264", "vp8", "vp9", "av1", "theora")


def browser_unplayable(info: dict) -> str | None:
    """The format in words ("avi / mjpeg") of a video (its recorded `info`: ``container``, ``codec``)
    that browsers may not play; None when they do, or when nothing was recorded."""
    container, codec = info.get("container"), info.get("codec")
    if not container or not codec or (container in BROWSER_CONTAINERS and codec in BROWSER_CODECS):
        return None
    return f"{container.split(',')[0]} / {codec}"


class Explorer:
    """Read-only view of a corpus (and optionally a model) for the explore pages.

    `corpus_root`: a corpus from `videobert ingest` with a vocabulary (`videobert vocab`);
    `vocab_dir`: default ``CORPUS/vocab``; `model_path`: a pretrained VideoBERT directory;
    `annotations`: YouCook II style JSON (majority verb / noun per word, zero-shot labels);
    `cache_dir`: default ``CORPUS/.explore-cache``; `progress`: progress while indexing (utils.progress).
    """

    def __init__(self, corpus_root: str | os.PathLike, model_path: str | os.PathLike | None = None,
                 annotations: str | os.PathLike | None = None, cache_dir: str | os.PathLike | None = None,
                 vocab_dir: str | os.PathLike | None = None, progress: bool = False, device: str | None = None):
        from ..vocab import VisualVocab

        # every path absolute (against the working directory): Flask's send_file would resolve a
        # relative one against the package folder
        self.corpus = Corpus(Path(corpus_root).absolute())
        self.corpus.manifest  # a clear error for a directory that is not a corpus
        self.vocab_dir = Path(vocab_dir).absolute() if vocab_dir else self.corpus.root / "vocab"
        self.vocab = VisualVocab.load(self.vocab_dir)
        self.annotations = Path(annotations).absolute() if annotations else None
        if self.annotations is not None and not self.annotations.is_file():
            raise FileNotFoundError(f"annotation file {self.annotations} does not exist")
        # CORPUS/.explore-cache, or a user cache directory for a read-only corpus; locked (explore.cache)
        self.cache, self._cache_lock = choose_cache(self.corpus.root, cache_dir)
        self.model_path = Path(model_path).absolute() if model_path else None
        if self.model_path is not None and not self.model_path.is_dir():
            raise FileNotFoundError(f"model directory {self.model_path} does not exist")
        self.device = device
        self.progress = progress
        self._model = None
        self._model_lock = threading.RLock()
        self.index = self._load_or_build_index()
        self.videos: dict[str, dict] = self.index["videos"]
        self.words: list[dict] = self.index["words"]
        self._video_ids = list(self.videos)
        self._prepare_search()

    # ---- index ------------------------------------------------------------------------------
    def _fingerprint(self, video_ids: list[str]) -> str:
        parts = [INDEX_FORMAT, _stat(self.vocab_dir / "vocab.json"), _stat(self.vocab_dir / "vocab.npz"),
                 _stat(self.corpus.manifest_path), hashlib.sha1("\n".join(video_ids).encode()).hexdigest(),
                 _stat(self.annotations) if self.annotations else None]
        return hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:16]

    def _load_or_build_index(self) -> dict:
        ids = self.corpus.video_ids()
        fp = self._fingerprint(ids)
        path = self.cache / f"index-{fp}.json"
        if path.is_file():
            try:
                idx = read_json(path)
                if idx.get("format") == INDEX_FORMAT and idx.get("fingerprint") == fp:
                    return idx
            except (ValueError, OSError):
                pass
        log.info("explore: indexing %d videos of %s (once; cached in %s)", len(ids), self.corpus.root, path)
        idx = self._build_index(ids)
        idx["fingerprint"] = fp
        atomic_write_json(path, idx, indent=None)
        for old in self.cache.glob("index-*.json"):  # earlier fingerprints of this corpus
            if old != path:
                old.unlink(missing_ok=True)
        for old in self.cache.glob("exemplars-*"):
            if old.name != f"exemplars-{fp}":
                shutil.rmtree(old, ignore_errors=True)
        return idx

    def _tokens_of(self, vid: str, feats: np.ndarray) -> np.ndarray:
        from ..vocab import read_tokens

        try:
            return read_tokens(self.vocab_dir, vid)
        except FileNotFoundError:
            return self.vocab.assign(np.asarray(feats, dtype=np.float32)).astype(np.int64)

    def _build_index(self, ids: list[str]) -> dict:
        from ..tasks.annotations import clip_range

        cfg = self.corpus.config
        clip_seconds = float(cfg.get("clip_frames", 30)) / float(cfg.get("fps", 20))
        V = self.vocab.num_tokens
        nearest: list[list] = [[] for _ in range(V)]  # max-heaps (-dist, ...) of NEAREST
        typical: list[list] = [[] for _ in range(V)]  # CLIPS_PER_WORD nearest, for the word page
        counts = np.zeros(V, np.int64)
        spoken = [Counter() for _ in range(V)]
        videos: dict[str, dict] = {}
        segments: list[list] = []
        it: Any = ids
        if self.progress:
            from ..utils.progress import progress as reporter

            it = reporter(ids, desc="explore: indexing", unit="video")
        cents = self.vocab.leaf_centroids
        for vid in it:
            rec = self.corpus.read(vid)
            feats = np.asarray(rec.features, dtype=np.float32)
            toks = self._tokens_of(vid, feats)
            if len(toks) != rec.num_clips:
                raise CorpusError(f"video {vid!r}: {len(toks)} tokens in {self.vocab_dir} but {rec.num_clips} clips; "
                                  "re-run `videobert vocab CORPUS`")
            dist = np.linalg.norm(self.vocab.prepare(feats) - cents[toks], axis=1) if len(toks) else np.zeros(0)
            np.add.at(counts, toks, 1)
            for c, (t, d) in enumerate(zip(toks.tolist(), dist.tolist())):
                item = (-d, vid, c, float(rec.clip_starts[c]))
                for heap, cap in ((nearest[t], NEAREST), (typical[t], CLIPS_PER_WORD)):
                    if len(heap) < cap:
                        heapq.heappush(heap, item)
                    elif item > heap[0]:
                        heapq.heapreplace(heap, item)
            sents = []
            for si, s in enumerate(rec.sentences):
                lo, hi = clip_range(rec.clip_starts, s.start, s.end, clip_seconds)
                ws = content_words(s.text)
                for t in set(toks[lo:hi].tolist()):
                    spoken[t].update(ws)
                sents.append({"text": s.text, "start": s.start, "end": s.end, "lo": lo, "hi": hi})
                if hi > lo:
                    segments.append([vid, si])
            videos[vid] = {"source": rec.source, "duration": rec.duration,
                           "clip_starts": [float(x) for x in rec.clip_starts], "tokens": toks.tolist(),
                           "sentences": sents, "text_source": rec.text_source}
        labels = self._word_labels(videos, clip_seconds)
        words = []
        for leaf in range(V):
            near = [{"video_id": v, "clip": c, "start": s} for _, v, c, s in sorted(nearest[leaf], reverse=True)]
            clips = [{"video_id": v, "clip": c, "start": s} for _, v, c, s in sorted(typical[leaf], reverse=True)]
            words.append({
                "leaf": leaf, "coarse": int(self.vocab.coarse_of([leaf])[0]), "count": int(counts[leaf]),
                "nearest": near, "clips": clips,
                "spoken": [[w, int(n)] for w, n in sorted(spoken[leaf].items(), key=lambda kv: (-kv[1], kv[0]))[:SPOKEN_TOP]],
                "spoken_all": dict(spoken[leaf]),
                "verb": labels.get(leaf, (None, None))[0], "noun": labels.get(leaf, (None, None))[1],
            })
        return {"format": INDEX_FORMAT, "corpus": str(self.corpus.root), "clip_seconds": clip_seconds,
                "videos": videos, "words": words, "segments": segments,
                "annotations": str(self.annotations) if self.annotations else None}

    def _word_labels(self, videos: dict[str, dict], clip_seconds: float) -> dict[int, tuple[str | None, str | None]]:
        """Majority verb / noun of each word over the annotated training steps (`tasks.wordlabels`)."""
        if self.annotations is None:
            return {}
        from ..tasks.annotations import CorpusSegment, clip_range, load_youcook
        from ..tasks.labels import label_lists
        from ..tasks.wordlabels import word_labels

        segs = [s for s in load_youcook(self.annotations, "training") if s.video_id in videos]
        located = []
        for s in segs:
            lo, hi = clip_range(np.asarray(videos[s.video_id]["clip_starts"]), s.start, s.end, clip_seconds)
            if hi > lo:
                located.append(CorpusSegment(s, lo, hi))
        if not located:
            return {}
        found = label_lists(segs, verbs=200, nouns=200)  # every common verb / noun may label a word
        verbs, nouns = list(found.verbs), list(found.nouns)
        if not verbs or not nouns:
            return {}
        wl = word_labels(located, lambda vid: np.asarray(videos[vid]["tokens"]), verbs, nouns)
        out = {}
        for leaf in wl.usage:
            v, n = wl.verb.get(leaf), wl.noun.get(leaf)
            out[int(leaf)] = (verbs[v] if v is not None else None, nouns[n] if n is not None else None)
        return out

    # ---- data for the pages -----------------------------------------------------------------
    @property
    def has_model(self) -> bool:
        return self.model_path is not None

    @property
    def has_labels(self) -> bool:
        return self.annotations is not None

    def word(self, leaf: int) -> dict | None:
        return self.words[leaf] if 0 <= leaf < len(self.words) else None

    def vocabulary(self) -> list[dict]:
        """First-level words, each with its leaves (most used first)."""
        groups: dict[int, list[dict]] = {}
        for w in self.words:
            groups.setdefault(w["coarse"], []).append(w)
        out = []
        for coarse in sorted(groups):
            leaves = sorted(groups[coarse], key=lambda w: (-w["count"], w["leaf"]))
            out.append({"coarse": coarse, "count": sum(w["count"] for w in leaves), "leaves": leaves})
        return out

    def video_page(self, page: int, size: int | None = None) -> dict:
        """One page of the video list (1-based; clamped to the pages there are): its (id, video)
        rows, the page number and the number of pages. Ids are in corpus order."""
        ids, size = self._video_ids, size or VIDEOS_PER_PAGE
        pages = max(1, -(-len(ids) // size))
        page = min(max(int(page), 1), pages)
        rows = [(vid, self.videos[vid]) for vid in ids[(page - 1) * size: page * size]]
        return {"rows": rows, "page": page, "pages": pages, "total": len(ids), "first": (page - 1) * size + 1}

    def video(self, video_id: str) -> dict | None:
        if not is_valid_video_id(video_id):
            return None
        return self.videos.get(video_id)

    def timeline(self, video_id: str) -> list[dict]:
        """One entry per clip: its token and start time, for the token strip under the player."""
        v = self.videos[video_id]
        cs = self.index["clip_seconds"]
        return [{"clip": i, "leaf": t, "start": s, "end": s + cs} for i, (t, s) in enumerate(zip(v["tokens"], v["clip_starts"]))]

    def media_path(self, video_id: str) -> Path | None:
        """The video's own recorded source file, or None: the only files the server streams."""
        v = self.video(video_id)
        if v is None:
            return None
        p = Path(locate(v["source"]))  # moved since ingest: found under --video-dir
        # a record edited to name some other file (not a video or audio file) is not served
        mime = mimetypes.guess_type(p.name)[0] or ""
        return p if mime.startswith(("video/", "audio/")) and p.is_file() else None

    def media_member(self, video_id: str) -> tuple[str, str, int, int, str] | None:
        """(source, tar, byte offset, size, MIME type) of a video recorded as a shard member
        (``SHARD.tar#KEY.mp4``), served from the tar in place; None for other videos, a member that
        is not a video or audio file, or one the tar does not hold."""
        from ..ingest.decode import DecodeError
        from ..ingest.shards import member_span

        v = self.video(video_id)
        if v is None:
            return None
        now = locate(v["source"])  # moved since ingest: found under --video-dir
        parts = split_source(now)
        if parts is None:
            return None
        mime = mimetypes.guess_type(parts[1].rpartition("/")[2])[0] or ""
        if not mime.startswith(("video/", "audio/")):
            return None
        try:
            return (now, *member_span(now), mime)
        except DecodeError:  # the shard or the member is gone
            return None

    # ---- pictures (cached) ------------------------------------------------------------------
    def _frames(self, source: Path, times: list[float], size: int) -> list:
        """Frames at `times` (seconds on the player's clock, ascending) of one source, opened once."""
        from PIL import Image

        from ..vocab.pictures import fit_square, frame_images

        out = [fit_square(img, size) for img in frame_images(source, times)]
        if not out:
            out = [Image.new("RGB", (size, size), (96, 96, 96))]
        return out

    def exemplar_gif(self, leaf: int) -> Path | None:
        """``CACHE/exemplars/<leaf>.gif``: a few frames of each of the word's nearest clips."""
        w = self.word(leaf)
        if w is None:
            return None
        path = self.cache / f"exemplars-{self.index['fingerprint']}" / f"{leaf}.gif"
        if path.is_file():
            return path
        from ..vocab.pictures import placeholder

        frames = []
        for clip in w["nearest"]:
            src = Path(self.videos[clip["video_id"]]["source"])
            try:
                frames += self._frames(src, [clip["start"] + o for o in FRAME_OFFSETS], GIF_SIZE)
            except Exception as e:  # a missing or damaged source: the frame says so
                frames.append(placeholder(GIF_SIZE, f"cannot decode {src.name}: {e}"))
        if not frames:
            frames = [placeholder(GIF_SIZE, f"word {leaf}: unused")]
        buf = io.BytesIO()
        frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=250, loop=0)
        return atomic_write_bytes(path, buf.getvalue())

    def thumbnail(self, video_id: str, clip: int) -> Path | None:
        """``CACHE/thumbs/<shard>/<video>-<clip>.jpg``: the middle frame of a clip."""
        v = self.video(video_id)
        if v is None or not 0 <= clip < len(v["clip_starts"]):
            return None
        path = self.cache / "thumbs" / shard_of(video_id) / f"{video_id}-{clip}.jpg"
        if path.is_file():
            return path
        from ..vocab.pictures import MID_CLIP, placeholder

        src = Path(v["source"])
        try:
            img = self._frames(src, [v["clip_starts"][clip] + MID_CLIP], THUMB_SIZE)[0]
        except Exception as e:
            img = placeholder(THUMB_SIZE, f"cannot decode {src.name}: {e}")
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=85)
        return atomic_write_bytes(path, buf.getvalue())

    # ---- the model ----------------------------------------------------------------------------
    @property
    def model(self):
        if self.model_path is None:
            return None
        with self._model_lock:
            if self._model is None:
                from ..tasks.common import VideoTokens, check_model_corpus, load_model

                log.info("explore: loading model %s", self.model_path)
                m = load_model(str(self.model_path), device=self.device)
                check_model_corpus(m, self.model_path, self.corpus)
                self._model_tokens = VideoTokens(self.corpus, m.vocab)
                self._model = m
            return self._model

    def load_model(self) -> None:
        """Load the model now (at startup) rather than on the first page that needs it."""
        _ = self.model

    @property
    def model_cache(self) -> Path:
        p = self.model_path
        fp = hashlib.sha1(json.dumps([_stat(p / "videobert.json"), self.index["fingerprint"]]).encode()).hexdigest()[:16]
        return self.cache / f"model-{fp}"

    def label_lists(self) -> tuple[list[str], list[str]]:
        """Zero-shot verbs and nouns: the most common of the annotations' training captions, else of the
        transcripts, by part-of-speech tagging (`tasks.labels`; eval's 45 verbs and 100 nouns)."""
        from ..tasks.annotations import load_youcook
        from ..tasks.labels import count_labels

        if self.annotations is not None:
            sents = [s.sentence for s in load_youcook(self.annotations, "training")]
        else:  # ASR filler ("Mm-hmm.", "you") would make labels such as "verb mm"
            from ..utils.narration import is_filler

            sents = [s["text"] for v in self.videos.values() for s in v["sentences"] if not is_filler(s["text"])]
        found = count_labels(sents)
        return list(found.verbs), list(found.nouns)

    def _model_leaves(self, video_id: str) -> np.ndarray:
        _ = self.model
        return self._model_tokens(video_id)

    def video_analysis(self, video_id: str) -> dict | None:
        """With a model: per sentence segment its zero-shot verb / noun (top 3) and the forecast of
        the next words after it (top 3). Cached per video."""
        if self.model_path is None or self.video(video_id) is None:
            return None
        path = self.model_cache / "video" / shard_of(video_id) / f"{video_id}.json"
        if path.is_file():
            return read_json(path)
        from ..tasks.common import subsample
        from ..tasks.forecast import next_token_logprobs
        from ..tasks.zeroshot import PAPER_TEMPLATE, score_labels

        model = self.model
        with self._model_lock:
            toks = self._model_leaves(video_id)
            verbs, nouns = self.label_lists()
            sents = self.videos[video_id]["sentences"]
            rows = [i for i, s in enumerate(sents) if s["hi"] > s["lo"]]
            segs = [subsample(toks[sents[i]["lo"]:sents[i]["hi"]].tolist(), 64) for i in rows]
            out: dict[str, Any] = {"sentences": {}}
            if rows and verbs and nouns:
                tok = model.tokenizer
                vs = score_labels(model, PAPER_TEMPLATE, 0, [tok.encode_text(w) for w in verbs], segs)
                ns = score_labels(model, PAPER_TEMPLATE, 1, [tok.encode_text(w) for w in nouns], segs)
                fc = next_token_logprobs(model, [toks[max(0, sents[i]["hi"] - 16):sents[i]["hi"]].tolist() for i in rows])
                # shown as a share among the label list (softmax of the mean log-probabilities)
                pv = np.exp(vs - vs.max(1, keepdims=True))
                pv /= pv.sum(1, keepdims=True)
                pn = np.exp(ns - ns.max(1, keepdims=True))
                pn /= pn.sum(1, keepdims=True)
                for r, i in enumerate(rows):
                    out["sentences"][str(i)] = {
                        "verbs": [[verbs[j], float(pv[r, j])] for j in np.argsort(-vs[r])[:3]],
                        "nouns": [[nouns[j], float(pn[r, j])] for j in np.argsort(-ns[r])[:3]],
                        "forecast": [[int(j), float(np.exp(fc[r, j]))] for j in np.argsort(-fc[r])[:3]],
                    }
        atomic_write_json(path, out)
        return out

    # ---- search -------------------------------------------------------------------------------
    def _prepare_search(self) -> None:
        """In-memory arrays for the first stage of search: P(spoken word | visual word), smoothed,
        and the segments' token lists laid end to end (built once, from the index)."""
        spoken = [w["spoken_all"] for w in self.words]
        vocab = sorted({t for s in spoken for t in s})
        self._word_ids = {t: i for i, t in enumerate(vocab)}
        V, W = len(self.words), max(len(vocab), 1)
        P = np.full((V, W), 0.1, dtype=np.float32)  # add-0.1 smoothing
        for leaf, s in enumerate(spoken):
            for t, n in s.items():
                P[leaf, self._word_ids[t]] += n
        P /= P.sum(1, keepdims=True)
        bg = P.mean(0, keepdims=True)
        self._lift = np.log(P / bg)  # how much more likely a word is over this visual word than overall
        flat, offsets = [], []
        for vid, si in self.index["segments"]:
            s = self.videos[vid]["sentences"][si]
            offsets.append(len(flat))
            flat += self.videos[vid]["tokens"][s["lo"]:s["hi"]]
        self._seg_flat = np.asarray(flat, dtype=np.int64)
        self._seg_offsets = np.asarray(offsets, dtype=np.int64)
        self._seg_len = np.diff(np.append(self._seg_offsets, len(flat))).clip(min=1)

    def _first_stage(self, query: str) -> np.ndarray:
        """Score of every segment: the mean over the query's content words of the mean lift of
        that word over the segment's visual words. (num_segments,)"""
        q = [self._word_ids[w] for w in content_words(query) if w in self._word_ids]
        if not q or not len(self._seg_offsets):
            return np.zeros(len(self._seg_offsets))
        # the query's columns first: (V, |q|), then per clip; never (total clips, all words)
        per_clip = self._lift[:, q].mean(1)[self._seg_flat]  # (total clips,)
        return np.add.reduceat(per_clip, self._seg_offsets) / self._seg_len

    def search(self, query: str, top: int = SEARCH_TOP, candidates: int = SEARCH_CANDIDATES) -> dict | None:
        """Best segments for a sentence and text-to-video strips for it (model needed). Cached per
        query. First stage, over every segment in memory: how much more often the query's content
        words are spoken over the segment's visual words than overall (a log-likelihood ratio, from
        the transcripts of the corpus). The best `candidates` are re-ranked by that plus the model's
        log-likelihood of the sentence given the segment's video (`tasks.retrieval.mlm_scores`)."""
        query = " ".join(query.split())[:300]
        if self.model_path is None or not query:
            return None
        key = hashlib.sha1(json.dumps([query, top, candidates]).encode()).hexdigest()
        path = self.model_cache / "search" / key[:2] / f"{key}.json"
        if path.is_file():
            return read_json(path)
        from ..tasks.retrieval import RetrievalConfig, mlm_scores
        from ..tasks.text2video import TextToVideoConfig, generate

        model = self.model
        first = self._first_stage(query)
        order = np.lexsort((np.arange(len(first)), -first))[:candidates]
        results = []
        with self._model_lock:
            if len(order):
                segs = []
                for k in order:
                    vid, si = self.index["segments"][k]
                    s = self.videos[vid]["sentences"][si]
                    segs.append(self._model_leaves(vid)[s["lo"]:s["hi"]].tolist())
                mlm = mlm_scores(model, [query], segs, RetrievalConfig(batch_size=64))[0]
                # product of experts: the model's log-likelihood of the sentence given the segment plus
                # the association's log-likelihood ratio of its content words (per word, so summed)
                n_words = len([w for w in content_words(query) if w in self._word_ids])
                scores = mlm + n_words * first[order]
                for r in np.lexsort((np.arange(len(order)), -scores))[:top]:
                    vid, si = self.index["segments"][int(order[r])]
                    s = self.videos[vid]["sentences"][si]
                    results.append({"video_id": vid, "sentence": si, "text": s["text"], "start": s["start"],
                                    "end": s["end"], "clip": s["lo"], "score": float(scores[r]), "model": float(mlm[r]),
                                    "first_stage": float(first[order[r]])})
            strips = generate(model, query, TextToVideoConfig(length=8, samples=3, seed=0)).tolist()
        out = {"query": query, "results": results, "strips": strips, "segments": len(first),
               "reranked": int(len(order))}
        atomic_write_json(path, out)
        return out

    # ---- static export ----------------------------------------------------------------------
    def _recorded_video(self, video_id: str) -> dict:
        """The source's format as ingest recorded it (`meta["video"]`: container, codec, size...)."""
        try:
            return self.corpus.read_meta(video_id).get("meta", {}).get("video") or {}
        except (OSError, ValueError):
            return {}

    def export(self, out_dir: str | os.PathLike, render: Callable[..., str], copy_media: bool = True,
               say: Callable[[str], None] = lambda s: None) -> Path:
        """The vocabulary, word and video pages as static HTML in `out_dir` (no server, no model).

        `render(template, links, **context)` renders one page (see `explore.pages`). Media: the
        sources are copied to ``media/`` (or linked to by absolute file URL when not `copy_media`; a
        shard member, which no URL can name, is always copied out of its tar)."""
        from ..ingest.inputs import EXPLORE_EXPORT_MARKER
        from .pages import STATIC_DIR, ExportLinks

        out = Path(out_dir)
        (out / "img").mkdir(parents=True, exist_ok=True)
        # tells `videobert ingest` not to take media/'s copies for new videos when the site is
        # written inside a folder of videos
        atomic_write_text(out / EXPLORE_EXPORT_MARKER, "a site written by `videobert explore --export`\n")
        shutil.copytree(STATIC_DIR, out / "static", dirs_exist_ok=True)
        media: dict[str, str] = {}
        for vid, v in self.videos.items():
            src = Path(locate(v["source"]))  # moved since ingest: found under --video-dir
            member = self.media_member(vid)
            if member is not None:  # a shard member: no file to link to, so its bytes are copied out of the tar
                from ..ingest.shards import open_member

                dst = out / "media" / f"{vid}{src.suffix.lower()}"
                dst.parent.mkdir(parents=True, exist_ok=True)
                if not dst.is_file() or dst.stat().st_size != member[3]:
                    tmp = dst.with_name(f".{dst.name}.tmp")
                    with open_member(member[0]) as r, open(tmp, "wb") as w:
                        shutil.copyfileobj(r, w, 1 << 20)
                    os.replace(tmp, dst)
                media[vid] = f"media/{dst.name}"
            elif copy_media and src.is_file():
                dst = out / "media" / f"{vid}{src.suffix.lower()}"
                dst.parent.mkdir(parents=True, exist_ok=True)
                if not dst.is_file() or dst.stat().st_size != src.stat().st_size:
                    shutil.copyfile(src, dst)
                media[vid] = f"media/{dst.name}"
            else:
                media[vid] = src.resolve().as_uri()
        links = ExportLinks(media)
        say(f"explore export: {len(self.words)} words, {len(self.videos)} videos -> {out}")
        unplayable = Counter(f for f in (browser_unplayable(self._recorded_video(v)) for v in self.videos) if f)
        if unplayable:
            say(f"explore export: {sum(unplayable.values())} of {len(self.videos)} videos are in formats browsers may "
                f"not play ({', '.join(f'{k} x{n}' for k, n in sorted(unplayable.items()))}): their pages show "
                "the thumbnails and transcript; for playback convert them to MP4 (H.264) or WebM (VP9), e.g. "
                "`ffmpeg -i IN -c:v libx264 -c:a aac OUT.mp4`")
        for w in self.words:
            shutil.copyfile(self.exemplar_gif(w["leaf"]), out / "img" / f"word-{w['leaf']}.gif")
        thumbs = set()
        for w in self.words:
            for c in w["clips"][:24]:
                thumbs.add((c["video_id"], c["clip"]))
        for vid, clip in sorted(thumbs):
            shutil.copyfile(self.thumbnail(vid, clip), out / "img" / f"thumb-{vid}-{clip}.jpg")
        atomic_write_text(out / "index.html", render("vocabulary.html", links, ex=self, groups=self.vocabulary()))
        pages = self.video_page(1)["pages"]
        for n in range(1, pages + 1):
            atomic_write_text(out / links.videos(n), render("videos.html", links, ex=self, p=self.video_page(n)))
        for w in self.words:
            atomic_write_text(out / f"word-{w['leaf']}.html", render("word.html", links, ex=self, w=w))
        for vid in self.videos:
            atomic_write_text(out / f"video-{vid}.html", render("video.html", links, ex=self, vid=vid,
                                                                 v=self.videos[vid], timeline=self.timeline(vid),
                                                                 analysis=None))
        return out / "index.html"
