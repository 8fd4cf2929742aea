"""The evaluation suite: load model + corpus + annotations once, run the tasks, write reports.

`videobert eval all` runs every evaluation and writes ``report.json`` (every number),
``report.md`` (the paper-style tables) and ``report.html`` (the same tables, self-contained)
into its output directory; the single-task ``eval`` commands write the same files with
their one table.
"""
from __future__ import annotations

import dataclasses
import html
import logging
from pathlib import Path
from typing import Any, Sequence

from ..corpus import Corpus
from ..utils.io import atomic_write_json, atomic_write_text
from .annotations import CorpusSegment, Segment, load_youcook, locate_segments, read_labels
from .common import VideoTokens, check_model_corpus, load_model

log = logging.getLogger(__name__)


@dataclasses.dataclass
class EvalData:
    model: Any
    model_path: str
    corpus: Corpus
    train: list[CorpusSegment]
    val: list[CorpusSegment]
    tokens: VideoTokens  # video id -> leaf ids under the model's vocabulary
    # Without annotations: the held-out / training videos, whole (forecasting reads every clip of
    # them, also of videos without text); None: the videos of the `val` / `train` segments.
    val_videos: list[str] | None = None
    train_videos: list[str] | None = None


def transcript_segments(corpus: Corpus, video_ids: Sequence[str], subset: str) -> list[CorpusSegment]:
    """Each video's own transcript sentences as segments (what evaluations read without annotations);
    ASR filler ("Mm-hmm.", "you") is left out."""
    from ..utils.narration import is_filler

    segs = [Segment(v, subset, i, s["start"], max(float(s["end"]), float(s["start"]) + 1e-3), s["text"])
            for v in video_ids for i, s in enumerate(corpus.read_meta(v).get("sentences", []))
            if not is_filler(s["text"])]
    return locate_segments(corpus, segs)


def load_eval_data(model_path: str, corpus_path: str, annotations: str | None, device: str | None = None,
                   force: bool = False) -> EvalData:
    """`force`: evaluate even on a corpus ingested with other feature settings than the model's.
    `annotations` None: the held-out videos are those pretraining held out (`heldout_video_ids`),
    the segments are the transcript's own sentences (training: those of the other videos)."""
    corpus = Corpus(corpus_path)
    corpus.manifest  # fails early with a clear message if this is no corpus
    log.info("loading the model %s ...", model_path)
    model = load_model(model_path, device)
    check_model_corpus(model, model_path, corpus, force)
    if annotations is None:
        held = heldout_video_ids(corpus, model_path, None)
        held_set = set(held)
        rest = [v for v in corpus.video_ids() if v not in held_set]
        train, val = transcript_segments(corpus, rest, "training"), transcript_segments(corpus, held, "validation")
        log.info("no annotations: %d held-out videos (%d transcript sentences), %d training videos (%d sentences)",
                 len(held), len(val), len(rest), len(train))
        return EvalData(model, model_path, corpus, train, val, VideoTokens(corpus, model.vocab), held, rest)
    segs = load_youcook(annotations)
    train = locate_segments(corpus, [s for s in segs if s.subset == "training"])
    val = locate_segments(corpus, [s for s in segs if s.subset == "validation"])
    if not val:
        raise ValueError(f"{annotations}: no validation segment lies in a video of corpus {corpus_path}")
    log.info("%d training and %d validation segments in the corpus", len(train), len(val))
    return EvalData(model, model_path, corpus, train, val, VideoTokens(corpus, model.vocab))


def label_sets(data: EvalData, verbs_file: str | None, nouns_file: str | None,
               num_verbs: int = 45, num_nouns: int = 100) -> tuple[list[str], list[str]]:
    """Label vocabularies from files, else the most common verbs / nouns of the training captions
    by part-of-speech tagging (`tasks.labels`, the paper's 45 and 100)."""
    if verbs_file and nouns_file:
        return read_labels(verbs_file), read_labels(nouns_file)
    from .labels import label_lists

    source = data.train
    if not source:
        log.warning("no training segments: extracting labels from the validation captions")
        source = data.val
    found = label_lists(source, num_verbs, num_nouns)
    verbs = read_labels(verbs_file) if verbs_file else list(found.verbs)
    nouns = read_labels(nouns_file) if nouns_file else list(found.nouns)
    if len(verbs) < 2 or len(nouns) < 2:
        raise ValueError(f"label extraction found {len(verbs)} verbs and {len(nouns)} nouns in {found.captions} "
                         "captions (need >= 2 each); give --verbs/--nouns files (`videobert labels` writes them)")
    cover = found.coverage()
    log.info("labels from %d captions: %d verbs (covering %.0f%% of the captions), %d nouns (%.0f%%)",
             found.captions, len(verbs), 100 * cover[0], len(nouns), 100 * cover[1])
    return verbs, nouns


def video_ids(segments: Sequence[CorpusSegment]) -> list[str]:
    return sorted({s.segment.video_id for s in segments})


def write_report(results: dict[str, Any], out_dir: str | Path, meta: dict[str, Any]) -> Path:
    """report.json / report.md / report.html from results with `to_dict()` and `markdown()`."""
    from .registry import titles

    names = titles()
    out = Path(out_dir)
    atomic_write_json(out / "report.json", {"meta": meta, **{k: r.to_dict() for k, r in results.items()}})
    md = ["# VideoBERT evaluation", "", *(f"- {k}: `{v}`" for k, v in meta.items()), ""]
    for k, r in results.items():  # text from annotations / captions may hold raw HTML: shown as text
        md += [f"## {names.get(k, k)}", "", html.escape(r.markdown(), quote=False), ""]
    atomic_write_text(out / "report.md", "\n".join(md))
    sections = [(names.get(k, k), r.markdown()) for k, r in results.items()]
    atomic_write_text(out / "report.html", render_page("VideoBERT evaluation", meta, sections))
    return out


STYLE = ("<style>body{font-family:sans-serif;max-width:64em;margin:auto;padding:1em}table{border-collapse:collapse;"
         "margin:.5em 0}td,th{border:1px solid #999;padding:2px 8px;text-align:right}td:first-child{text-align:left}"
         "img{max-width:100%;border:1px solid #ccc}.warn{background:#fff3cd;padding:.5em}</style>")


def markdown_to_html(markdown: str) -> str:
    """Markdown tables (``| a | b |`` lines) as HTML tables; other lines as paragraphs. All text escaped."""
    parts: list[str] = []
    rows: list[list[str]] = []
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            if not line.startswith("|---"):
                rows.append([c.strip() for c in line.strip("|").split("|")])
            continue
        if rows:
            head, *body = rows
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body)
                         + "</table>")
            rows = []
        if line.strip():
            parts.append(f"<p>{html.escape(line)}</p>")
    return "\n".join(parts)


def render_page(title: str, meta: dict[str, Any], sections: Sequence[tuple[str, str]],
                pictures: dict[str, str] | None = None, warnings: Sequence[str] = ()) -> str:
    """The one HTML renderer of reports (`eval`, the demo): a self-contained page (no external
    assets) with the run's facts, warnings, one section per (heading, markdown) and embedded
    PNGs (heading -> base64). Every piece of text is escaped."""
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>{STYLE}</head><body>",
             f"<h1>{e(title)}</h1>", *(f"<p class='warn'>{e(w)}</p>" for w in warnings), "<ul>",
             *(f"<li><b>{e(str(k))}</b>: {e(str(v))}</li>" for k, v in meta.items()), "</ul>"]
    for heading, markdown in sections:
        parts += [f"<h2>{e(heading)}</h2>", markdown_to_html(markdown)]
    for heading, png in (pictures or {}).items():
        parts += [f"<h2>{e(heading)}</h2>", f"<img alt='{e(heading)}' src='data:image/png;base64,{e(png)}'>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ---- one function per evaluation over EvalData ----------------------------------------
def run_zeroshot(data: EvalData, verbs: list[str], nouns: list[str], config=None):
    from .zeroshot import ZeroShotConfig, evaluate_zeroshot

    return evaluate_zeroshot(data.model, data.val, data.tokens, verbs, nouns, config or ZeroShotConfig())


def run_forecast(data: EvalData, config=None):
    """Held-out = the validation videos; the baseline's frequencies come from the training videos."""
    from .forecast import ForecastConfig, evaluate_forecast

    val = data.val_videos if data.val_videos is not None else video_ids(data.val)
    val_ids = set(val)
    train_ids = [v for v in (data.train_videos if data.train_videos is not None else video_ids(data.train))
                 if v not in val_ids]
    if not train_ids:
        raise ValueError("the forecasting baseline needs training videos (subset 'training', or without "
                         "annotations videos pretraining did not hold out) in the corpus")
    heldout = {v: data.tokens(v) for v in val}
    return evaluate_forecast(data.model, heldout, (data.tokens(v) for v in train_ids), config or ForecastConfig())


def run_retrieval(data: EvalData, config=None):
    from .retrieval import RetrievalConfig, evaluate_retrieval

    segs = data.val
    return evaluate_retrieval(
        data.model, [s.segment.sentence for s in segs], [data.tokens(s.segment.video_id)[s.lo : s.hi] for s in segs],
        config or RetrievalConfig(),
    )


def train_or_load_captioner(data: EvalData, config, out_dir: str | Path, progress: bool = False):
    """Train a captioner on the training segments into `out_dir`, or reuse the one there if its
    config is the same (so a re-run of `eval caption` / `eval all` resumes)."""
    from ..utils.io import read_json
    from .captioning import TrainedCaptioner, segment_features, train_captioner

    out = Path(out_dir)
    if (out / "captioner.json").is_file() and read_json(out / "captioner.json")["config"] == config.to_dict():
        log.info("reusing the trained captioner in %s", out)
        return TrainedCaptioner.load(out)
    if not data.train:
        raise ValueError("captioning needs training segments (subset 'training') in the corpus")
    feats = segment_features(data.corpus, data.train, config, data.model, data.tokens)
    tc = train_captioner(feats, [s.segment.sentence for s in data.train], data.model.tokenizer.text, config,
                         str(Path(data.model_path).resolve()), progress)
    tc.save(out)
    return tc


def run_caption(data: EvalData, out_dir: str | Path, config=None, beam: int = 1, progress: bool = False,
                meteor: bool = True):
    """Train (or reuse) the S3D-only, VideoBERT-only and VideoBERT + S3D captioners; score them on validation,
    beside the nearest-training-caption baseline (by mean clip feature) and the perfect score
    (each reference scored as its own prediction: CIDEr's top depends on the captions' lengths)."""
    from .captioning import (
        PERFECT,
        CaptionerConfig,
        CaptionResult,
        caption_metrics,
        evaluate_captioner,
        evaluate_nearest_caption,
        segment_features,
    )

    config = config or CaptionerConfig()
    rows = []
    refs = [s.segment.sentence for s in data.val]
    # variant "s3d" is the paper's name for "the clip features only", whichever backbone made them
    feats_name = _backbone_name(data.corpus)
    variants = (("s3d", f"{feats_name} features only"), ("videobert_only", "VideoBERT only"),
                ("videobert", f"VideoBERT + {feats_name}"))  # the paper's Table 3 rows, in its order
    for variant, name in variants:
        cfg = config.replace(variant=variant)
        tc = train_or_load_captioner(data, cfg, Path(out_dir) / "captioners" / variant, progress)
        feats = segment_features(data.corpus, data.val, cfg, data.model, data.tokens)
        rows.append(evaluate_captioner(tc, feats, refs, name, beam, meteor=meteor))
    clip_cfg = config.replace(variant="s3d", max_clips=10**9)  # every clip's features, no VideoBERT pass
    rows.append(evaluate_nearest_caption(
        segment_features(data.corpus, data.train, clip_cfg), [s.segment.sentence for s in data.train],
        segment_features(data.corpus, data.val, clip_cfg), refs, "nearest training caption (features)", meteor=meteor,
    ))
    perfect = caption_metrics([[r] for r in refs], refs, PERFECT, meteor=False)
    rows.append(dataclasses.replace(perfect, meteor_note=""))  # METEOR not run: a JVM for a known answer
    return CaptionResult(tuple(rows))


def _backbone_name(corpus: Corpus) -> str:
    """How the report names the corpus' clip features: "S3D", "EfficientNet-Lite0", ..."""
    backbone = corpus.config.get("backbone", "s3d")
    return {"s3d": "S3D", "efficientnet_lite0": "EfficientNet-Lite0"}.get(backbone, str(backbone))


def heldout_video_ids(corpus: Corpus, model_path: str, annotations: str | None = None) -> list[str]:
    """The evaluation videos: the annotations' validation subset if given, else the videos the
    pretraining run held out (its ``config.json`` beside ``model/``), else every corpus video."""
    from ..data import split_videos
    from ..utils.io import read_json

    ids = corpus.video_ids()
    if annotations:
        val = {s.video_id for s in load_youcook(annotations) if s.subset == "validation"}
        held = [v for v in ids if v in val]
        if not held:
            raise ValueError(f"{annotations}: no validation video is in corpus {corpus.root}")
        return held
    run_cfg = Path(model_path).resolve().parent / "config.json"
    if not (Path(model_path) / "videobert.json").is_file():
        run_cfg = Path(model_path) / "config.json"
    run_info = run_cfg.parent / "run.json"
    if run_info.is_file() and "heldout_video_ids" in read_json(run_info):  # the split pretraining made
        info, have = read_json(run_info), set(ids)
        listed = list(info["heldout_video_ids"])
        held = [v for v in listed if v in have]
        if held:
            log.info("evaluating on the %d videos pretraining held out (%s)", len(held), run_info)
            return held
        if listed:  # another corpus: its other videos may be the model's training videos, so not those
            raise ValueError(
                f"none of the {len(listed)} videos pretraining held out ({run_info}: e.g. {listed[0]!r}) is in corpus "
                f"{corpus.root}; the model was pretrained on {info.get('corpus', 'another corpus')}: evaluate it on "
                "that corpus, or give --annotations to name the evaluation videos")
    elif run_cfg.is_file():  # a run from before run.json listed them: the same hash split
        frac = float(read_json(run_cfg).get("heldout_fraction", 0.0))
        held = split_videos(ids, frac)[1] if frac > 0 else []
        if held:
            log.info("evaluating on the %d videos pretraining held out (%s)", len(held), run_cfg)
            return held
    log.warning("no annotations and no videos held out by pretraining: evaluating on every video of %s (videos the "
                "model may have trained on)", corpus.root)
    return ids


def run_alignment(model: Any, corpus: Corpus, video_ids_: Sequence[str], config=None):
    from ..data import video_data
    from .alignment import AlignmentConfig, evaluate_alignment

    cfg = corpus.config
    clip_seconds = float(cfg.get("clip_frames", 30)) / float(cfg.get("fps", 20))
    tokens = VideoTokens(corpus, model.vocab)
    videos = [video_data(corpus.read(v), tokens(v), model.tokenizer, clip_seconds) for v in video_ids_]
    return evaluate_alignment(model, videos, config or AlignmentConfig())


def run_text2video(data: EvalData, verbs: list[str], nouns: list[str], config=None, template: str | None = None):
    from .text2video import TextToVideoConfig, evaluate_text2video
    from .wordlabels import word_labels

    if not data.train:
        raise ValueError("text-to-video scoring labels visual words from training segments (subset 'training'); "
                         "none are in the corpus")
    labels = word_labels(data.train, data.tokens, verbs, nouns)
    kw = {"template": template} if template else {}
    return evaluate_text2video(data.model, labels, config=config or TextToVideoConfig(), **kw)
