"""CLI of the downstream tasks: `eval {zeroshot,forecast,retrieval,caption,all}`, `forecast`,
`text2video`, `caption {train,eval,predict}`. Thin: argument parsing over the task modules."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from ..utils.cli import add_config_arguments, at_least, config_from_args
from ..utils.io import atomic_write_json
from ..utils.media import add_video_dir_argument
from ..utils.progress import add_progress_argument

log = logging.getLogger(__name__)


# ---- shared arguments --------------------------------------------------------------------
def _data_args(p: argparse.ArgumentParser, annotations_required: bool = True) -> None:
    p.add_argument("model", help="pretrained VideoBERT directory (from `videobert pretrain`)")
    p.add_argument("--corpus", required=True, help="corpus directory (from `videobert ingest`)")
    p.add_argument("--annotations", required=annotations_required,
                   help="YouCook II style annotation JSON (training/validation subsets)"
                        + (" (required: the task's ground truth are human-written step descriptions)"
                           if annotations_required else
                           " (default: none: the videos pretraining held out, their own transcript sentences as "
                           "segments; the other videos' as training segments)"))
    p.add_argument("--device", default=None, help="torch device for the model (default: CPU)")
    _force_arg(p)


def _force_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="use a corpus ingested with other feature settings (backbone, weights, size, seed...) "
                        "than the model's")


def _label_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verbs", help="verb labels, one per line (default: the most common verbs of the training "
                                   "captions by part-of-speech tagging; `videobert labels` writes such files)")
    p.add_argument("--nouns", help="noun labels, one per line (default: the most common nouns, as --verbs)")
    p.add_argument("--num-verbs", type=int, default=45, help="without --verbs: keep this many verbs (the paper's 45) (default: %(default)s)")
    p.add_argument("--num-nouns", type=int, default=100, help="without --nouns: keep this many nouns (the paper's 100) (default: %(default)s)")


def _finish(results: dict, args: argparse.Namespace, configs: dict) -> int:
    from .report import write_report

    for r in results.values():
        print(r.markdown())
    if getattr(args, "out", None):
        meta = {"model": args.model, "corpus": args.corpus, "annotations": args.annotations,
                **{f"{k}_config": c.to_dict() for k, c in configs.items()}}
        out = write_report(results, args.out, meta)
        print(f"wrote {out / 'report.json'}, report.md, report.html")
    from .registry import NotRun

    not_run = [k for k, r in results.items() if isinstance(r, NotRun)]
    if not_run:
        print(f"videobert eval: {len(not_run)} of {len(results)} tasks not run on this data: {', '.join(not_run)} "
              "(reasons above and in the report)", file=sys.stderr)
    return 1 if not_run else 0


# ---- eval ----------------------------------------------------------------------------------
# Tasks that run on a corpus alone (the held-out videos and their transcript); zero-shot and
# captioning score against human-written step descriptions, so they need --annotations.
NO_ANNOTATIONS = ("forecast", "retrieval", "alignment", "text2video")
# Each task's flags are generated from its config (utils.cli), so no default is written twice:
# `eval NAME --field`, and `eval all --NAME-field` (the tasks' field names collide).
CONFIG_SKIP = {"caption": ("variant",)}  # eval trains every captioner variant


def _task_prefix(args: argparse.Namespace, name: str) -> str:
    return f"{name}-" if args.task == "all" else ""


def _task_configs(args: argparse.Namespace, names: list[str]) -> dict:
    """Each named task's config from its generated flags."""
    from .registry import get_task

    return {n: config_from_args(get_task(n).config, args, CONFIG_SKIP.get(n, ()), _task_prefix(args, n))
            for n in names}


def _eval(args: argparse.Namespace) -> int:
    from .registry import TASKS, EvalInputs, run_tasks
    from .report import label_sets, load_eval_data

    which = list(TASKS) if args.task == "all" else [args.task]
    if which == ["alignment"]:
        return _alignment_only(args)
    configs = _task_configs(args, which)  # bad values fail before the model loads
    progress = not args.no_progress
    data = load_eval_data(args.model, args.corpus, args.annotations, args.device, args.force)
    verbs = nouns = None
    if any(TASKS[n].needs_labels for n in which):
        if not args.annotations and not (args.verbs and args.nouns):
            log.warning("no --annotations: verb / noun labels come from the training videos' narration (their "
                        "captions or speech recognition, not step descriptions); read the scores as a sanity check")
        verbs, nouns = label_sets(data, args.verbs, args.nouns, args.num_verbs, args.num_nouns)
    # text-to-video prompts fill the zero-shot template: --template, or the zero-shot config's
    template = configs["zeroshot"].template if "zeroshot" in configs else getattr(args, "template", EvalInputs.template)
    inputs = EvalInputs(data, verbs, nouns, out_dir=Path(args.out) if getattr(args, "out", None) else None,
                        annotations=args.annotations, template=template,
                        beam=getattr(args, "beam", 1), meteor=not getattr(args, "no_meteor", False), progress=progress,
                        reference=getattr(args, "reference", None))
    # `eval all`: a task this data cannot feed (e.g. retrieval with one held-out segment) is
    # reported as not run, and the others still run and are written (exit status 1)
    return _finish(run_tasks(which, inputs, configs, keep_going=len(which) > 1), args, configs)


def _alignment_only(args: argparse.Namespace) -> int:
    from ..corpus import Corpus
    from .alignment import AlignmentConfig
    from .common import check_model_corpus, load_model
    from .report import heldout_video_ids, run_alignment

    corpus = Corpus(args.corpus)
    corpus.manifest  # fails early with a clear message if this is no corpus
    log.info("loading the model %s ...", args.model)
    model = load_model(args.model, args.device)
    check_model_corpus(model, args.model, corpus, args.force)
    cfg = config_from_args(AlignmentConfig, args)
    result = run_alignment(model, corpus, heldout_video_ids(corpus, args.model, args.annotations), cfg)
    return _finish({"alignment": result}, args, {"alignment": cfg})


def _add_eval(sub) -> None:
    from .registry import TASKS

    p = sub.add_parser("eval", help="evaluations: zero-shot, forecasting, retrieval, alignment, text-to-video, captioning")
    esub = p.add_subparsers(dest="task", metavar="TASK", required=True)
    specs = {
        "zeroshot": "zero-shot verb/noun classification with the cloze template",
        "forecast": "next visual token top-1/top-3 vs. the most-frequent-token baseline",
        "retrieval": "text -> segment ranking by caption likelihood (default) or the alignment head (R@1/5/10, median rank)",
        "alignment": "held-out accuracy of the alignment head: own video vs. another video / another time",
        "text2video": "generate visual words for every verb-noun prompt; score them by their majority labels",
        "caption": ("train features-only, VideoBERT-only and VideoBERT+features captioners; score them and the nearest-training-caption "
                    "baseline (caption of the training segment with the nearest mean clip feature): "
                    "BLEU-1..4/METEOR/ROUGE-L/CIDEr"),
        "all": "every evaluation; writes report.json, report.md, report.html",
    }
    for name, help_ in specs.items():
        q = esub.add_parser(name, help=help_, description=help_ + ". " + _EVAL_FLAGS)
        _data_args(q, annotations_required=name not in NO_ANNOTATIONS)
        q.add_argument("--out", required=name in ("caption", "all"), help="directory for report.json/.md/.html")
        if name in ("zeroshot", "text2video", "all"):
            _label_args(q)
        if name == "text2video":
            from .zeroshot import PAPER_TEMPLATE

            q.add_argument("--template", default=PAPER_TEMPLATE, help="the zero-shot template the prompts fill (default: %(default)r)")
        if name in ("zeroshot", "caption", "all"):
            from .paper import REFERENCES

            q.add_argument("--reference", choices=REFERENCES, default=None,
                           help="print the paper's rows beside ours (youcook2: Tables 1 and 3, YouCook II validation)")
        if name in ("caption", "all"):
            q.add_argument("--beam", type=at_least(1), default=1, help="caption beam size (1 = greedy) (default: %(default)s)")
            q.add_argument("--no-meteor", action="store_true", help="skip METEOR (it starts a Java VM)")
        for task in (TASKS if name == "all" else [name]):
            add_config_arguments(q, TASKS[task].config, CONFIG_SKIP.get(task, ()),
                                 prefix=f"{task}-" if name == "all" else "")
        add_progress_argument(q)
        q.set_defaults(func=_eval)


_EVAL_FLAGS = ("Every field of the task's config is a flag; with `all`, prefixed by the task's name "
               "(--caption-epochs, --forecast-context, ...)")


# ---- forecast --------------------------------------------------------------------------------
def _video_tokens_and_times(model, video: str, corpus: str | None, model_path: str = "", force: bool = False):
    """Leaf ids and clip start times of a raw video, or of a corpus video id with --corpus."""
    if corpus:
        from ..corpus import Corpus
        from .common import check_model_corpus

        c = Corpus(corpus)
        check_model_corpus(model, model_path, c, force)
        rec = c.read(corpus_video_id(c, video))
    else:
        from ..ingest import IngestConfig, ingest_video

        c, rec = None, ingest_video(video, IngestConfig.from_dict(model.ingest_config, strict=False))
    return model.visual_tokenizer(c).tokens(rec), rec.clip_starts


def corpus_video_id(corpus, video: str) -> str:
    """`video` as the id of a video in `corpus`: an id as given; a path to a video file the corpus
    holds (ingested from that file, under the id ingest gives its stem): that id. Another file, or
    neither a file nor an id: a one-line error saying to pass a video id, or to leave out --corpus
    (the file is then ingested and tokenized itself)."""
    from ..corpus import is_valid_video_id

    if is_valid_video_id(video) and corpus.has(video):
        return video
    path = Path(video)
    if not path.is_file():
        if is_valid_video_id(video):
            return video  # an id the corpus does not hold: the corpus says so
        raise ValueError(f"{video}: neither a video id of the corpus {corpus.root} ({_some_ids(corpus)}) nor a "
                         "video file; pass a video id of the corpus, or a video file without --corpus")
    from ..ingest.inputs import id_base

    vid = id_base(path.stem)
    if corpus.has(vid):
        source = Path(str(corpus.read_meta(vid).get("source", "")))
        if (path.samefile(source) if source.is_file() else path.resolve() == source.resolve()):
            log.info("%s: the video %r of %s", video, vid, corpus.root)
            return vid
        held = f"its video {vid!r} was ingested from {source}, not from this file"
    else:
        held = f"it holds no video {vid!r} (the id `videobert ingest` gives this file)"
    raise ValueError(f"{video}: a video file, not a video id of the corpus {corpus.root}, and {held}; pass a video "
                     f"id of the corpus ({_some_ids(corpus)}), or leave out --corpus to ingest the file itself")


def _some_ids(corpus, n: int = 3) -> str:
    """A few of the corpus' video ids, for an error message."""
    ids = corpus.video_ids()
    return "it holds no videos" if not ids else \
        f"e.g. {', '.join(map(repr, ids[:n]))}{f' and {len(ids) - n:,} more' if len(ids) > n else ''}"


def _token_picture(vocab, rows: list[list[int]], labels: list[list[str]], size: int, out: str) -> None:
    """Exemplar frames of visual words, one row per sequence (rows of equal length)."""
    from ..vocab.pictures import exemplar_frame, grid, save_png

    tiles = [exemplar_frame(vocab, int(v), size) for row in rows for v in row]
    print(f"wrote {save_png(grid(tiles, [label for row in labels for label in row], cols=len(rows[0])), out)}")


def _forecast(args: argparse.Namespace) -> int:
    from .common import load_model
    from .forecast import forecast

    model = load_model(args.model, args.device)
    leaves, starts = _video_tokens_and_times(model, args.video, args.corpus, args.model, args.force)
    at = float(starts[-1]) + 1e-6 if args.at is None else args.at
    t = int(np.searchsorted(starts, at, side="right"))  # clips that started by `at` are observed
    if t == 0:
        raise ValueError(f"--at {at}: no clip of {args.video} starts before that time")
    top = forecast(model, leaves[:t], k=args.k, context=args.context)
    print(f"observed {t} visual tokens up to {at:.2f} s; last: {leaves[max(0, t - 5):t].tolist()}")
    for rank, (leaf, p) in enumerate(top, 1):
        print(f"  {rank}. visual word {leaf}  p={p:.4f}")
    if args.out:
        observed = leaves[max(0, t - 4) : t].tolist()  # one row: the last observed tokens, then the forecasts
        labels = [f"seen {v}" for v in observed] + [f"#{r} {leaf} p={p:.2f}" for r, (leaf, p) in enumerate(top, 1)]
        _token_picture(model.vocab, [observed + [leaf for leaf, _ in top]], [labels], args.size, args.out)
    return 0


def _add_forecast(sub) -> None:
    p = sub.add_parser("forecast", help="top-k next visual tokens of a video after a time point, as a PNG strip")
    p.add_argument("model", help="pretrained VideoBERT directory (RUN/model)")
    p.add_argument("video", help="video file (ingested with the model's config), or a corpus video id with --corpus")
    p.add_argument("--corpus", help="read VIDEO's features from this corpus instead of ingesting a file")
    _force_arg(p)
    p.add_argument("--at", type=float, default=None, help="time point in seconds (default: the end)")
    p.add_argument("--k", type=at_least(1), default=3, help="how many of the most likely next visual words to show "
                                                   "(default: %(default)s)")
    p.add_argument("--context", type=at_least(1), default=16, help="observed visual words the model reads before the "
                                                         "forecast (default: %(default)s)")
    p.add_argument("--out", help="PNG strip: the last observed tokens, then the top-k forecasts")
    p.add_argument("--size", type=at_least(8), default=96, help="tile size in pixels (default: %(default)s)")
    p.add_argument("--device", default=None, help="torch device for the model (default: CPU)")
    add_video_dir_argument(p)
    p.set_defaults(func=_forecast)


# ---- text2video --------------------------------------------------------------------------------
def _text2video(args: argparse.Namespace) -> int:
    from .common import load_model
    from .text2video import TextToVideoConfig, generate

    model = load_model(args.model, args.device)
    cfg = TextToVideoConfig(length=args.length, samples=args.samples, steps=args.steps,
                            temperature=args.temperature, top_k=args.top_k, seed=args.seed)
    tokens = generate(model, args.text, cfg)
    for i, row in enumerate(tokens):
        print(f"sample {i}: {' '.join(f'v{v}' for v in row)}")
    if args.out:
        rows = tokens.tolist()
        _token_picture(model.vocab, rows, [[f"s{i} {v}" for v in row] for i, row in enumerate(rows)], args.size, args.out)
        atomic_write_json(Path(args.out).with_suffix(".json"), {"text": args.text, "config": cfg.to_dict(), "tokens": tokens})
    return 0


def _add_text2video(sub) -> None:
    p = sub.add_parser("text2video", help="generate visual tokens from a sentence (iterative masked filling)")
    p.add_argument("model", help="pretrained VideoBERT directory (RUN/model)")
    p.add_argument("text", help="the sentence, e.g. \"cut the tomato\"")
    p.add_argument("--length", type=int, default=8, help="visual words to generate (default: %(default)s)")
    p.add_argument("--samples", type=int, default=1,
                   help=">1: sample with temperature/top-k instead of greedy (default: %(default)s)")
    p.add_argument("--steps", type=int, default=0,
                   help="filling iterations (0 = one position per iteration) (default: %(default)s)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="sampling temperature (with --samples > 1) (default: %(default)s)")
    p.add_argument("--top-k", type=int, default=20,
                   help="sample among the k most likely words (0: all) (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default: %(default)s)")
    p.add_argument("--out", help="PNG strip (one row per sample); the tokens go to the same name .json")
    p.add_argument("--size", type=at_least(8), default=96, help="tile size in pixels (default: %(default)s)")
    p.add_argument("--device", default=None, help="torch device for the model (default: CPU)")
    add_video_dir_argument(p)
    p.set_defaults(func=_text2video)


# ---- caption -------------------------------------------------------------------------------------
def _caption(args: argparse.Namespace) -> int:
    from .captioning import CaptionerConfig, TrainedCaptioner, evaluate_captioner, segment_features
    from .common import VideoTokens, load_model

    if args.action == "train":
        from .report import load_eval_data, train_or_load_captioner

        data = load_eval_data(args.model, args.corpus, args.annotations, args.device, args.force)
        train_or_load_captioner(data, config_from_args(CaptionerConfig, args), args.out, progress=not args.no_progress)
        print(f"wrote captioner to {args.out}")
        return 0

    tc = TrainedCaptioner.load(args.captioner)
    cfg = tc.net.config
    model_path = args.model or tc.model_path
    if args.action == "eval":
        from .report import load_eval_data

        data = load_eval_data(model_path, args.corpus, args.annotations, args.device, args.force)
        feats = segment_features(data.corpus, data.val, cfg, data.model, data.tokens)
        scores = evaluate_captioner(tc, feats, [s.segment.sentence for s in data.val], cfg.variant, args.beam,
                                    meteor=not args.no_meteor)
        from .captioning import CaptionResult

        result = CaptionResult((scores,))
        print(result.markdown())
        if args.out:
            atomic_write_json(Path(args.out) / "caption_eval.json", result.to_dict())
        return 0

    # predict: one segment of a corpus video or of a raw video file
    from ..corpus import Corpus
    from .annotations import CorpusSegment, Segment, clip_range

    model = load_model(model_path, args.device) if (cfg.variant != "s3d" or not args.corpus) else None

    if args.corpus:
        from .common import check_model_corpus

        corpus = Corpus(args.corpus)
        if model is not None:
            check_model_corpus(model, model_path, corpus, args.force)
        rec = corpus.read(corpus_video_id(corpus, args.video))
    else:
        from ..ingest import IngestConfig, ingest_video

        rec = ingest_video(args.video, IngestConfig.from_dict(model.ingest_config, strict=False))
        corpus = _OneVideo(rec)
    end = args.end if args.end is not None else rec.duration + 1e-6
    lo, hi = clip_range(rec.clip_starts, args.start, end)
    if hi <= lo:
        raise ValueError(f"{args.video}: no clip overlaps [{args.start}, {end}] s")
    seg = CorpusSegment(Segment(rec.video_id, "prediction", 0, args.start, end, ""), lo, hi)
    tokens = None
    if model is not None:  # a raw video's tokens: those of its freshly ingested record
        tokens = VideoTokens(corpus, model.vocab, None if args.corpus else model.visual_tokenizer())
    feats = segment_features(corpus, [seg], cfg, model, tokens)
    print(tc.predict(feats, beam=args.beam)[0] or "(empty caption: the captioner predicted no word)")
    return 0


class _OneVideo:
    """A stand-in corpus holding one freshly ingested video (for `caption predict VIDEO`)."""

    def __init__(self, rec):
        self.rec, self.root = rec, Path(rec.source)

    def read(self, video_id: str):
        return self.rec


def _add_caption(sub) -> None:
    from .captioning import CaptionerConfig

    p = sub.add_parser("caption", help="train, evaluate and run video captioners")
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    t = csub.add_parser("train", help="train a captioner on the training segments")
    _data_args(t)
    t.add_argument("--out", required=True, help="captioner directory")
    add_config_arguments(t, CaptionerConfig)
    add_progress_argument(t)
    e = csub.add_parser("eval", help="BLEU/METEOR/ROUGE-L/CIDEr on the validation segments")
    e.add_argument("captioner", help="captioner directory (from `videobert caption train`)")
    e.add_argument("--corpus", required=True, help="corpus directory (from `videobert ingest`)")
    e.add_argument("--annotations", required=True,
                   help="YouCook II style annotation JSON: its validation captions are the references")
    e.add_argument("--out", help="directory for caption_eval.json")
    e.add_argument("--no-meteor", action="store_true", help="skip METEOR (it starts a Java VM)")
    q = csub.add_parser("predict", help="caption one segment of a video")
    q.add_argument("captioner", help="captioner directory (from `videobert caption train`)")
    q.add_argument("video", help="video file, or a corpus video id with --corpus")
    q.add_argument("--corpus", help="read VIDEO's features from this corpus instead of ingesting a file")
    q.add_argument("--start", type=float, default=0.0, help="segment start in seconds (default: %(default)s)")
    q.add_argument("--end", type=float, default=None, help="default: the end of the video")
    for c in (e, q):
        _force_arg(c)
        c.add_argument("--model", help="VideoBERT model (default: the one the captioner was trained with)")
        c.add_argument("--beam", type=at_least(1), default=1, help="beam size (1 = greedy) (default: %(default)s)")
        c.add_argument("--device", default=None, help="torch device for the model (default: CPU)")
    p.set_defaults(func=_caption)


def add_parser(subparsers) -> None:
    _add_eval(subparsers)
    _add_forecast(subparsers)
    _add_text2video(subparsers)
    _add_caption(subparsers)
