"""`videobert demo`: the whole pipeline on a synthetic narrated corpus, offline, in minutes.

synth -> ingest -> vocab -> pretrain -> eval (zero-shot, forecasting, retrieval, captioning)
-> report (``DIR/report.html``, ``DIR/report.json``).

Every stage writes into its own folder under DIR and is skipped (or resumed) when it has
already finished, so re-running the demo after an interruption picks up where it stopped.
The clip features are real pretrained ones, offline: EfficientNet-Lite0 with the ImageNet
weights that ship in a pip package (``--backbone s3d``: the paper's S3D, but randomly
initialized, since its Kinetics weights need a download); the report says which.
"""
from __future__ import annotations

import base64
import dataclasses
import io
import json
import logging
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .utils.config import Config, save_config
from .utils.io import atomic_write_json, atomic_write_text, read_json

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DemoConfig(Config):
    videos: int = 64  # synthetic videos (training + validation)
    val_fraction: float = 0.25
    seed: int = 0
    # Clip features: "efficientnet_lite0" (ImageNet weights that ship in a pip package: real
    # pretrained features, offline) or "s3d" (the paper's network, but with RANDOM weights here:
    # its Kinetics-400 weights need a download).
    backbone: str = "efficientnet_lite0"
    size: int = 0  # backbone input crop in pixels; 0 = the backbone's demo size (BACKBONE_SIZES)
    # Training text: "captions" (the .vtt files synth writes) or "asr" (speech recognition of the
    # narration audio, the paper's text path; captions ignored) with `asr` = whisper (the tiny.en
    # that ships in a pip package, offline) or pocketsphinx.
    text: str = "captions"
    asr: str = "whisper"
    workers: int = 2  # ingest processes
    levels: int = 2  # visual vocabulary depth ...
    k: int = 12  # ... and branching: 12 x 12 = 144 visual words
    init: str = "scratch"  # text initialization: scratch | minilm | a local BERT directory
    model_size: str = "tiny"
    # Pretraining uses the library's defaults (train.config.PretrainConfig: the recipe that read
    # the video on this corpus and on one it was never tuned on, docs/learning.md); 0 steps = the
    # length the corpus implies.
    max_steps: int = 0
    batch_size: int = 32
    caption_epochs: int = 30
    tiny: bool = False  # a seconds-scale configuration for the test suite

    def validate(self) -> None:
        if self.backbone not in BACKBONE_SIZES:
            self.fail("backbone", self.backbone, f"must be one of {', '.join(BACKBONE_SIZES)}")
        if self.text not in ("captions", "asr"):
            self.fail("text", self.text, "must be 'captions' or 'asr'")
        if self.asr not in ("whisper", "pocketsphinx"):
            self.fail("asr", self.asr, "must be 'whisper' or 'pocketsphinx'")
        if self.text == "asr" and self.tiny:
            self.fail("text", self.text, "the tiny demo's videos have no audio; use captions")
        if self.size < 0:
            self.fail("size", self.size, "must be >= 0 (0: the backbone's demo size)")
        if self.videos < 4:
            self.fail("videos", self.videos, "need >= 4 (training and validation videos)")
        if not 0 < self.val_fraction < 1:
            self.fail("val_fraction", self.val_fraction, "must be in (0, 1)")
        for f in ("workers", "levels", "k", "batch_size", "caption_epochs"):
            if getattr(self, f) < 1:
                self.fail(f, getattr(self, f), "must be >= 1")
        if self.max_steps < 0:
            self.fail("max_steps", self.max_steps, "must be >= 0 (0: the length the corpus implies)")

    @property
    def crop(self) -> int:
        """The crop side the backbone is fed."""
        return self.size or BACKBONE_SIZES[self.backbone]

    @property
    def features(self) -> str:
        """What the clip features are, in words (the report says it)."""
        if self.backbone == "s3d":
            return f"S3D with RANDOM weights (not pretrained: no network), {self.crop} px crops"
        return f"EfficientNet-Lite0, ImageNet weights (packaged offline), {self.crop} px frames, 3 per clip, averaged"

    @property
    def text_source(self) -> str:
        """Where the training text comes from, in words (the report says it)."""
        if self.text == "captions":
            return "caption files (.vtt) of the narration"
        engine = "Whisper tiny.en (packaged, offline)" if self.asr == "whisper" else "pocketsphinx"
        return f"speech recognition of the narration audio: {engine}; caption files ignored"

    @classmethod
    def tiny_config(cls, **kw: Any) -> "DemoConfig":
        """Seconds-scale settings: the test suite runs the whole demo with these."""
        base = dict(videos=4, val_fraction=0.5, size=32, workers=1, levels=1, k=6, max_steps=20,
                    batch_size=8, caption_epochs=2, tiny=True)
        base.update(kw)
        return cls(**base)


# Demo crop per backbone. efficientnet_lite0: its native 224 px. s3d (random weights): on the
# synthetic footage 64 px separates verbs and nouns as well as 112 px at ~1/3 of the cost.
BACKBONE_SIZES = {"efficientnet_lite0": 224, "s3d": 64}

TASKS = ("zeroshot", "forecast", "retrieval", "alignment", "text2video", "caption")  # names in tasks.registry
TABLE_SEP = "\n\n<!-- next task -->\n\n"  # between tasks in eval/tables.md


# ---- stages ----------------------------------------------------------------------------
class Demo:
    def __init__(self, out: str | Path, config: DemoConfig, progress: bool = True,
                 say: Callable[[str], None] = print):
        self.out = Path(out)
        self.cfg = config
        self.progress = progress
        self.say = say
        self.synth_dir = self.out / "videos"
        self.corpus_dir = self.out / "corpus"
        self.vocab_dir = self.corpus_dir / "vocab"
        self.run_dir = self.out / "run"
        self.model_dir = self.run_dir / "model"
        self.eval_dir = self.out / "eval"
        self.pics_dir = self.out / "pictures"
        self.timings: dict[str, float] = {}  # per stage: the time of the run that did its work
        self.seconds_this_run: dict[str, float] = {}
        self.reused = False  # set by a stage that found its work already done

    def run(self) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        prev = self.out / "demo_config.json"
        if prev.is_file():
            old = read_json(prev)
            old.pop("type", None)
            if old != self.cfg.to_dict():
                raise ValueError(f"{self.out} holds a demo made with another configuration ({prev}); "
                                 "use another --out directory or delete it")
        save_config(self.cfg, prev)
        timings_path = self.out / "stage_seconds.json"
        kept = read_json(timings_path) if timings_path.is_file() else {}
        stages = [("synth", self.synth), ("ingest", self.ingest), ("vocab", self.vocab),
                  ("pretrain", self.pretrain), ("eval", self.evaluate), ("report", self.report)]
        for i, (name, fn) in enumerate(stages, 1):
            t0 = time.time()
            self.say(f"[{i}/{len(stages)}] {name} ...")
            self.reused = False
            detail = fn()
            took = self.seconds_this_run[name] = time.time() - t0
            # a stage that found its work done keeps the time of the run that did it (the report's timings)
            self.timings[name] = kept[name] if self.reused and name in kept else took
            if name != "report":
                atomic_write_json(timings_path, {**kept, **self.timings})
            self.say(f"[{i}/{len(stages)}] {name} done in {took:.1f} s{': ' + detail if detail else ''}")
        return self.out / "report.html"

    def synth(self) -> str:
        from .synth import SynthConfig, generate

        self.reused = (self.synth_dir / "annotations.json").is_file()
        scfg = SynthConfig(videos=self.cfg.videos, seed=self.cfg.seed, val_fraction=self.cfg.val_fraction,
                           **({"steps_min": 2, "steps_max": 3, "step_seconds": (3.0, 4.5), "width": 64,
                               "height": 48, "audio": False} if self.cfg.tiny else {}))
        res = generate(self.synth_dir, scfg, workers=self.cfg.workers)
        return f"{len(res.videos)} videos in {self.synth_dir}"

    def ingest(self) -> str:
        from .corpus import Corpus
        from .ingest import IngestConfig, ingest

        weights = "random" if self.cfg.backbone == "s3d" else None  # None: the backbone's own (imagenet)
        text = {} if self.cfg.text == "captions" else dict(
            text="asr", asr=self.cfg.asr, **({"asr_model": "packaged"} if self.cfg.asr == "whisper" else {}))
        icfg = IngestConfig(backbone=self.cfg.backbone, weights=weights, size=self.cfg.crop, seed=self.cfg.seed,
                            device="cpu", **text)
        summary = ingest([self.synth_dir], self.corpus_dir, icfg, workers=self.cfg.workers, progress=self.progress)
        self.reused = summary.done == 0 and summary.failed == 0
        if summary.failed:
            raise RuntimeError(f"{summary.failed} synthetic videos failed to ingest; see {self.corpus_dir}/failures.json")
        corpus = Corpus(self.corpus_dir)
        sentences = sum(len(corpus.read_meta(v).get("sentences", [])) for v in corpus.video_ids())
        if sentences == 0:
            raise RuntimeError(f"no sentences in {self.corpus_dir}: " + (
                "speech recognition found no words (the videos need narration audio: is espeak-ng installed?)"
                if self.cfg.text == "asr" else "the videos have no captions"))
        return f"{summary.done} new videos, {summary.clips} clips ({self.cfg.features}), {sentences} sentences from " \
               f"{self.cfg.text}"

    def vocab(self) -> str:
        from .vocab import VocabConfig, build_vocab

        self.reused = (self.vocab_dir / "vocab.json").is_file()
        vocab = build_vocab(self.corpus_dir, VocabConfig(levels=self.cfg.levels, k=self.cfg.k, seed=self.cfg.seed),
                            self.vocab_dir, progress=self.progress)
        return f"{vocab.num_tokens} visual words"

    def pretrain(self) -> str:
        from .train import PretrainConfig, pretrain

        if (self.model_dir / "videobert.json").is_file():  # written last by save_pretrained
            self.reused = True
            return "reusing the trained model"
        steps = self.cfg.max_steps or 6000  # the cadence below; the run itself picks its length when 0
        pcfg = PretrainConfig(init=self.cfg.init, size=self.cfg.model_size, max_steps=self.cfg.max_steps,
                              batch_size=self.cfg.batch_size, seed=self.cfg.seed, device="cpu",
                              eval_every=max(steps // 10, 1), save_every=max(steps // 4, 1),
                              log_every=max(steps // 100, 1), eval_batches=5)
        resume = any(self.run_dir.glob("checkpoints/*"))
        pretrain(self.corpus_dir, self.run_dir, pcfg, vocab_dir=self.vocab_dir, resume=resume, progress=self.progress)
        return f"model in {self.model_dir}"

    def evaluate(self) -> str:
        from .tasks.annotations import read_labels
        from .tasks.captioning import CaptionerConfig
        from .tasks.registry import EvalInputs, run_tasks
        from .tasks.report import load_eval_data

        done = self.eval_dir / "results.json"
        if done.is_file():
            self.reused = True
            return "reusing the evaluation results"
        annotations = str(self.synth_dir / "annotations.json")
        data = load_eval_data(str(self.model_dir), str(self.corpus_dir), annotations, "cpu")
        verbs = read_labels(self.synth_dir / "verbs.txt")
        nouns = read_labels(self.synth_dir / "nouns.txt")
        inputs = EvalInputs(data, verbs, nouns, out_dir=self.eval_dir, annotations=annotations, progress=self.progress)
        configs = {"caption": CaptionerConfig(epochs=self.cfg.caption_epochs, seed=self.cfg.seed)}
        results = run_tasks(TASKS, inputs, configs)
        reference = zeroshot_references(data, verbs, nouns)
        atomic_write_json(done, {"reference": reference, **{k: r.to_dict() for k, r in results.items()}})
        # one section per task, in TITLES order; a task's markdown has several paragraphs
        atomic_write_text(self.eval_dir / "tables.md", TABLE_SEP.join(results[k].markdown() for k in TASKS))
        zs = results["zeroshot"]
        return (f"zero-shot top-1 verb {zs.verb_top1:.2f} ({zs.verb_top1 * zs.num_verbs:.1f}x chance), "
                f"noun {zs.noun_top1:.2f} ({zs.noun_top1 * zs.num_nouns:.1f}x chance); language prior "
                f"{zs.prior_verb_top1:.2f} / {zs.prior_noun_top1:.2f}; per-word vote "
                f"{reference['vote_verb_top1']:.2f} / {reference['vote_noun_top1']:.2f} (from the narration "
                f"{reference['narration_vote_verb_top1']:.2f} / {reference['narration_vote_noun_top1']:.2f}); "
                "1-NN on the features "
                f"{reference['nn_verb_top1']:.2f} / {reference['nn_noun_top1']:.2f}")

    def report(self) -> str:
        from .tasks.registry import titles

        results = read_json(self.eval_dir / "results.json")
        tables = (self.eval_dir / "tables.md").read_text().split(TABLE_SEP)
        if len(tables) != len(TASKS):
            raise ValueError(f"{self.eval_dir / 'tables.md'} was written by another version of the demo; "
                             f"delete {self.eval_dir} to evaluate again")
        pics = self._pictures()
        meta = {
            "backbone": self.cfg.backbone,
            "features": self.cfg.features,
            "text": self.cfg.text_source,
            "vocabulary": f"hierarchical k-means {self.cfg.levels} x {self.cfg.k} on L2-normalized features",
            "model": f"init={self.cfg.init}, size={self.cfg.model_size} (the demo's; the library's default is "
                     f"base), {self._steps()} steps (pretraining recipe: the library's defaults)",
            "videos": f"{self.cfg.videos} synthetic ({self.cfg.val_fraction:.0%} validation)",
            "stage seconds": format_timings(self.timings),
        }
        atomic_write_json(self.out / "report.json", {"meta": meta, "stage_seconds": self.timings, **results})
        notes = loss_trend_notes(self.run_dir / "metrics.jsonl")
        atomic_write_text(self.out / "report.html", render_html(meta, results["reference"], tables, pics, titles(),
                                                                results.get("zeroshot"), notes))
        return str(self.out / "report.html")

    def _steps(self) -> int:
        cfg = read_json(self.run_dir / "config.json") if (self.run_dir / "config.json").is_file() else {}
        return int(cfg.get("max_steps", self.cfg.max_steps))

    # ---- pictures ----------------------------------------------------------------------
    def _pictures(self) -> dict[str, str]:
        """name -> PNG as base64 (embedded in the HTML so it opens with no server)."""
        from . import load_model
        from .tasks.forecast import forecast
        from .tasks.text2video import TextToVideoConfig, generate
        from .vocab import VisualVocab, read_tokens
        from .vocab.pictures import contact_sheet, exemplar_frame, strip

        out: dict[str, str] = {}
        curve = _loss_curve(self.run_dir / "metrics.jsonl")
        if curve is not None:
            out["Pretraining losses"] = curve
        vocab = VisualVocab.load(self.vocab_dir)
        out["Visual vocabulary: the most used words (a frame of each exemplar clip)"] = _b64(
            contact_sheet(vocab, top=24 if not self.cfg.tiny else 6, size=96, cols=8))
        model = load_model(self.model_dir, device="cpu")
        size = 80
        for text in ("now let me show you how to cut the tomato", "let's stir the egg"):
            leaves = [int(t) for t in np.ravel(generate(model, text, TextToVideoConfig(seed=self.cfg.seed)))]
            img = strip([exemplar_frame(vocab, t, size) for t in leaves], [f"word {t}" for t in leaves],
                        title=f"{len(leaves)} visual words generated for the sentence, in order (greedy)")
            out[f"Text to video: \u201c{text}\u201d"] = _b64(img)
        gt = read_json(self.synth_dir / "annotations.json")["database"]
        val = [v for v, e in sorted(gt.items()) if e["subset"] == "validation"][:2]
        for vid in val:
            toks = read_tokens(self.vocab_dir, vid)
            cut = max(len(toks) // 2, 1)
            observed = [int(t) for t in toks[max(cut - 4, 0):cut]]
            pred = forecast(model, observed, k=3)
            imgs = [exemplar_frame(vocab, t, size) for t in observed] + [exemplar_frame(vocab, t, size) for t, _ in pred]
            labels = [f"seen {t}" for t in observed] + [f"guess {r}: word {t} p={p:.2f}" for r, (t, p) in
                                                        enumerate(pred, 1)]
            actual = int(toks[cut]) if cut < len(toks) else None
            title = (f"{len(observed)} observed visual words, then the model's top {len(pred)} guesses for the next "
                     f"one (true next: word {actual})")
            out[f"Forecast in {vid} at {cut * 1.5:.1f} s (true next word #{actual})"] = _b64(strip(imgs, labels, title))
        return out


# ---- what the features and the vocabulary allow ---------------------------------------------
def zeroshot_references(data, verbs: list[str], nouns: list[str]) -> dict[str, Any]:
    """Zero-shot numbers to read the model's against (validation segments, top-1):
    - the per-word vote: each visual word labelled with the majority verb / noun of its training
      clips, a segment predicted by its words' vote. A reference, not a bound: a model reading
      several words at once has beaten it;
    - the narration vote: the same vote with each word labelled from the training videos' narration
      (what pretraining reads) instead of their annotated steps;
    - 1-NN on the clip features: what the features allow before quantization, the bound."""
    from .tasks.wordlabels import narration_labels, nearest_neighbour_bound, segment_reference, word_labels

    vote = segment_reference(word_labels(data.train, data.tokens, verbs, nouns), data.val, data.tokens)
    train_videos = sorted({s.segment.video_id for s in data.train})
    narr = segment_reference(narration_labels(data.corpus, train_videos, data.tokens, verbs, nouns),
                             data.val, data.tokens)
    nn = nearest_neighbour_bound(data.corpus, data.train, data.val, verbs, nouns)
    return {"segments": len(data.val), "vote_verb_top1": vote[0], "vote_noun_top1": vote[1],
            "narration_vote_verb_top1": narr[0], "narration_vote_noun_top1": narr[1],
            "nn_verb_top1": nn[0], "nn_noun_top1": nn[1], "chance_verb": 1 / len(verbs), "chance_noun": 1 / len(nouns)}


# ---- helpers ------------------------------------------------------------------------------
def _b64(img) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _loss_curve(metrics: Path) -> str | None:
    if not metrics.is_file():
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
    keys = sorted({k for r in rows for k in r if "loss" in k and isinstance(r.get(k), (int, float))})
    if not keys:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=90)
    for i, k in enumerate(keys):
        for split, style in (("train", "-"), ("heldout", "--")):
            pts = [(r["step"], r[k]) for r in rows if k in r and r.get("split", "train") == split]
            if pts:
                ax.plot(*zip(*pts), style, color=f"C{i}", label=f"{k} ({split})", marker="." if split == "heldout" else None)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def format_timings(timings: dict[str, float]) -> str:
    """``synth 49 s, ingest 1 min 51 s, ...; total 9 min 0 s`` (the report's "stage seconds")."""
    from .utils.progress import format_seconds

    parts = [f"{k} {format_seconds(v)}" for k, v in timings.items()]
    return ", ".join(parts) + (f"; total {format_seconds(sum(timings.values()))}" if parts else "")


def loss_trend_notes(metrics: Path, rise: float = 0.1) -> list[str]:
    """A note per loss whose held-out value rose (by more than `rise`, relative, from its lowest)
    while the training value over the same steps fell: the model fits the training videos in a
    way that does not carry to the held-out ones (few held-out videos make it noisy, too)."""
    if not metrics.is_file():
        return []
    rows = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
    notes = []
    for key in sorted({k for r in rows for k in r if k.startswith("loss") and isinstance(r.get(k), (int, float))}):
        held = [(r["step"], r[key]) for r in rows if r.get("split") == "heldout" and key in r]
        train = [(r["step"], r[key]) for r in rows if r.get("split", "train") == "train" and key in r]
        if len(held) < 3 or len(train) < 2:
            continue
        best_step, best = min(held, key=lambda sv: sv[1])
        last_step, last = held[-1]
        train_at_best = min(train, key=lambda sv: abs(sv[0] - best_step))[1]
        train_last = min(train, key=lambda sv: abs(sv[0] - last_step))[1]
        if best > 0 and last > best * (1 + rise) and train_last < train_at_best:
            notes.append(f"Held-out {key} rose from {best:.3f} (step {best_step}) to {last:.3f} (step {last_step}) "
                         f"while the training {key} fell from {train_at_best:.3f} to {train_last:.3f}: this head "
                         f"overfits the training videos (the held-out value is also noisy with few held-out "
                         f"videos); the evaluations below read the final model.")
    return notes


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.0%}" if b > 0 else "n/a"


S3D_WARNING = ("Features come from a randomly initialized S3D (pretrained weights cannot be downloaded here). "
               "On this simple synthetic footage random convolutions still separate colours and motions; on real "
               "video use --weights kinetics400.")


def render_html(meta: dict, ref: dict, tables: list[str], pictures: dict[str, str], titles: dict,
                zeroshot: dict | None = None, notes: Sequence[str] = ()) -> str:
    """The demo's page: the zero-shot references first, then every task's tables, then the pictures
    (through the one report renderer, tasks.report.render_page)."""
    from .tasks.report import render_page

    reference = (
        "Validation segments, top-1. Per-word vote: each visual word labelled with the majority verb/noun of its "
        "training clips, a segment predicted by its words' vote (a reference, not a bound: a model reading several "
        "words at once can beat it). Narration vote: the same, each word labelled from the training videos' "
        "narration (what pretraining reads) instead of their annotated steps. 1-NN on the features: each clip "
        "labelled by its nearest training clip, before quantization (the bound the features allow).\n\n"
        "| | verb top-1 | noun top-1 |\n|---|---|---|\n"
        f"| 1-NN on the clip features (bound) | {ref['nn_verb_top1']:.3f} | {ref['nn_noun_top1']:.3f} |\n"
        f"| per-word vote (reference) | {ref['vote_verb_top1']:.3f} | {ref['vote_noun_top1']:.3f} |\n"
        + (f"| narration vote (reference) | {ref['narration_vote_verb_top1']:.3f} "
           f"| {ref['narration_vote_noun_top1']:.3f} |\n" if "narration_vote_verb_top1" in ref else "")
        + f"| chance | {ref['chance_verb']:.3f} | {ref['chance_noun']:.3f} |"
        + (f"\n| VideoBERT zero-shot | {zeroshot['verb_top1']:.3f} | {zeroshot['noun_top1']:.3f} |\n"
           f"| ... as a fraction of the 1-NN bound | {_ratio(zeroshot['verb_top1'], ref['nn_verb_top1'])} "
           f"| {_ratio(zeroshot['noun_top1'], ref['nn_noun_top1'])} |\n"
           f"| ... as a multiple of chance | {zeroshot['verb_top1'] / ref['chance_verb']:.1f}x "
           f"| {zeroshot['noun_top1'] / ref['chance_noun']:.1f}x |" if zeroshot else ""))
    sections = [("Zero-shot against what the features allow", reference)]
    sections += [(titles.get(key, key), table) for key, table in zip(TASKS, tables)]
    warnings = ([S3D_WARNING] if meta.get("backbone") == "s3d" else []) + list(notes)
    return render_page("videobert demo", meta, sections, pictures, warnings)


# ---- CLI ------------------------------------------------------------------------------------
def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo", help="the whole pipeline on a synthetic narrated corpus (offline; about 8 min on 2 CPU cores)",
        description="synth -> ingest -> vocab -> pretrain -> eval -> report. Finished stages are reused on a "
                    "re-run, so an interrupted demo resumes. Opens nothing: look at DIR/report.html.")
    p.add_argument("--out", default="videobert-demo", help="output directory (default: %(default)s)")
    d = DemoConfig()
    p.add_argument("--videos", type=int, default=d.videos, help="synthetic videos (default: %(default)s)")
    p.add_argument("--steps", type=int, default=d.max_steps,
                   help="pretraining steps (default: 0 = the length `videobert pretrain` picks for the corpus)")
    p.add_argument("--backbone", choices=list(BACKBONE_SIZES), default=d.backbone,
                   help="clip features: efficientnet_lite0 = ImageNet weights shipped in a pip package (real "
                        "pretrained features, offline); s3d = the paper's network with RANDOM weights (its "
                        "Kinetics weights need a download) (default: %(default)s)")
    p.add_argument("--size", type=int, default=d.size,
                   help="backbone input crop in pixels (default: 0 = the backbone's demo size: "
                        + ", ".join(f"{k} {v}" for k, v in BACKBONE_SIZES.items()) + ")")
    p.add_argument("--text", choices=("captions", "asr"), default=d.text,
                   help="training text: the narration's caption files, or speech recognition of its audio "
                        "(captions ignored) (default: %(default)s)")
    p.add_argument("--asr", choices=("whisper", "pocketsphinx"), default=d.asr,
                   help="--text asr engine: whisper = the tiny.en shipped by `videobert[whisper-offline]`, "
                        "offline (default: %(default)s)")
    p.add_argument("--init", default=d.init, help="text initialization: scratch | minilm | DIR (default: %(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of every stage (default: %(default)s)")
    p.add_argument("--workers", type=int, default=d.workers, help="ingest processes (default: %(default)s)")
    p.add_argument("--tiny", action="store_true", help="a seconds-scale run (what the test suite uses)")
    from .utils.progress import add_progress_argument

    add_progress_argument(p)
    p.set_defaults(func=_cli)


def _cli(args) -> int:
    if args.tiny:
        cfg = DemoConfig.tiny_config(seed=args.seed, backbone=args.backbone)
    else:
        cfg = DemoConfig(videos=args.videos, max_steps=args.steps, init=args.init, seed=args.seed, workers=args.workers,
                         backbone=args.backbone, size=args.size, text=args.text, asr=args.asr)
    lib = logging.getLogger("videobert")
    level = lib.level
    if not args.verbose:  # the demo prints one line per stage; the stages' own INFO logs are noise here
        lib.setLevel(logging.WARNING)
    try:
        report = Demo(args.out, cfg, progress=not args.no_progress).run()
    finally:
        lib.setLevel(level)
    print(f"report: {report}")
    return 0
