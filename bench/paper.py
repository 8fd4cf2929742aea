"""The shape of the paper's findings, on the hard synthetic world: its three tables from one command.

    python bench/paper.py --seeds 0 1 2 [--work DIR]          # the full protocol (hours on 2 cores)
    python bench/paper.py --quick                             # the same code end to end, in minutes
    python bench/paper.py --pretrain-set context_clips=2 ...  # one pretraining knob off its default

Per seed, with the library's defaults throughout (nothing but ``--init``, ``--size tiny`` for
scratch, and ``--max-steps`` when given):

1. ``videobert synth --style hard`` makes ``--videos`` x ``--more`` videos. Its split is
   prefix-stable, so the first ``--videos`` of them are the *labelled* corpus (annotations for
   training and validation videos) and the rest are extra unlabelled videos.
2. One ingest of them all (random S3D, 64 px, as ``bench/transfer.py``; ``--backbone
   efficientnet_lite0``: ImageNet features, as the demo), then pretraining
   corpora made of **training videos only** (no validation video is ever pretrained on, so a
   held-out verb-noun pair is never seen, in pictures or in narration):
   ``quarter``/``half``/``all`` = the training videos among the first 1/4, 1/2, all of the labelled
   videos; ``more`` = those among all ``--videos`` x ``--more`` videos; ``more-silent`` = the same
   with the extra videos' narration removed (video only). The vocabulary (2 x 12 words) is
   fitted once on ``all`` and assigned to every set.
3. Table 1 (model pretrained on ``all``) and Table 2 (one row per set): zero-shot verb / noun
   top-1 and top-5 on the labelled validation segments (the paper's template), its language
   prior, beside the per-word vote and 1-NN on the clip features (top-1; learned from the
   labelled training videos' annotated steps), the narration vote (the same vote learned from
   their narration, the signal pretraining reads), and the same on the segments of held-out
   pairs only.
4. Table 3: captioners trained on the first ``--caption-videos`` labelled training videos' steps
   and scored on the validation segments: the clip features only, and VideoBERT (pretrained on
   ``more``) + the features, the paper's recipe (``tasks.captioning``), with the nearest
   training caption as a floor.

Every number is printed as mean +- sample standard deviation over the seeds (the value alone
with one seed: no spread measured). Results go to ``WORK/results.jsonl`` and a re-run
reuses every finished stage. Timings are printed with the load average (this box is shared).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from transfer import check_reusable, recipe_key, references  # noqa: E402  (bench/ is not a package)

SETS = ("quarter", "half", "all", "more", "more-silent")
FRACTIONS = {"quarter": 0.25, "half": 0.5, "all": 1.0}


@dataclasses.dataclass(frozen=True)
class Scale:
    videos: int = 64  # labelled videos (training + validation)
    more: int = 4  # the largest pretraining set draws from videos x more
    caption_videos: int = 16  # labelled training videos the captioners learn from
    max_steps: int = 0  # 0: the library's default length
    # Table 3's captioners: 150 epochs of ~80 captions (~450 steps); CaptionerConfig's default 30
    # (~90 steps here) left every captioner below the nearest training caption (docs/reproduction.md)
    caption_epochs: int = 150
    synth: tuple = ()  # extra SynthConfig fields, (name, value) pairs
    pretrain: tuple = ()  # PretrainConfig fields other than the defaults, (name, value) pairs (--pretrain-set)
    crop: int = 64
    backbone: str = "s3d"  # or efficientnet_lite0 (ImageNet weights from a pip package, 224 px)
    levels: int = 2
    k: int = 12


QUICK = Scale(videos=8, more=2, caption_videos=4, max_steps=40, caption_epochs=2,
              synth=(("width", 64), ("height", 48), ("steps_min", 2), ("steps_max", 3),
                     ("step_seconds", (3.0, 4.5)), ("idle_prob", 0.2)), crop=32, levels=1, k=8)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}] {msg}", flush=True)


# ---- corpora ----------------------------------------------------------------------------------
def make_videos(work: Path, seed: int, scale: Scale) -> Path:
    from videobert.synth import SynthConfig, generate

    out = work / f"seed{seed}" / "videos"
    cfg = SynthConfig(videos=scale.videos * scale.more, seed=seed, style="hard", audio=False, **dict(scale.synth))
    t0 = time.time()
    r = generate(out, cfg, workers=2)
    log(f"synth: {len(r.videos)} hard videos, {len(r.heldout_pairs)} held-out pairs, {time.time() - t0:.0f} s")
    return out


def ingest_all(work: Path, videos: Path, seed: int, scale: Scale) -> Path:
    from videobert.ingest import IngestConfig, ingest

    out = work / f"seed{seed}" / "corpus"
    t0 = time.time()
    # the features of bench/transfer.py: random S3D weights (offline), a small crop; or EfficientNet-Lite0
    cfg = (IngestConfig(weights="random", size=scale.crop, seed=seed, device="cpu") if scale.backbone == "s3d" else
           IngestConfig(backbone=scale.backbone, seed=seed, device="cpu"))
    from videobert.synth.generator import video_id

    # the corpus' videos by name: a directory made for more videos holds more files than this scale uses
    s = ingest([videos / f"{video_id(i)}.mp4" for i in range(scale.videos * scale.more)], out, cfg, workers=2)
    if s.failed:
        raise SystemExit(f"{s.failed} videos failed to ingest; see {out}/failures.json")
    log(f"ingest: {s.done} new videos, {time.time() - t0:.0f} s")
    return out


def labelled_annotations(videos: Path, out: Path, n: int, train_limit: int | None = None) -> Path:
    """The annotations of videos 0..n-1 (the labelled corpus); with `train_limit`, only the first
    `train_limit` training videos keep their training annotations (validation: all of them)."""
    from videobert.synth.generator import video_id
    from videobert.utils.io import atomic_write_json, read_json

    db = read_json(videos / "annotations.json")["database"]
    keep, n_train = {}, 0
    for i in range(n):
        e = db[video_id(i)]
        if e["subset"] == "training":
            n_train += 1
            if train_limit is not None and n_train > train_limit:
                continue
        keep[video_id(i)] = e
    atomic_write_json(out, {"database": keep})
    return out


def pretraining_sets(work: Path, videos: Path, corpus: Path, seed: int, scale: Scale, sets) -> dict[str, Path]:
    """Sub-corpora of training videos only (see the module docstring), each assigned to the
    vocabulary fitted on `all`."""
    from videobert.corpus import Corpus
    from videobert.synth.generator import video_id
    from videobert.utils.io import read_json
    from videobert.vocab import VisualVocab, VocabConfig, assign_corpus, build_vocab

    db = read_json(videos / "annotations.json")["database"]
    full = Corpus(corpus)
    train = [i for i in range(scale.videos * scale.more) if db[video_id(i)]["subset"] == "training"]
    members = {name: [i for i in train if i < round(f * scale.videos)] for name, f in FRACTIONS.items()}
    members["more"] = members["more-silent"] = train
    out: dict[str, Path] = {}
    order = ["all"] + [s for s in sets if s != "all"]  # the vocabulary is fitted on `all` first
    for name in order:
        root = work / f"seed{seed}" / f"pretrain-{name}"
        sub = Corpus(root)
        sub.init(full.config)
        for i in members[name]:
            vid = video_id(i)
            if not sub.has(vid):
                rec = full.read(vid, mmap=False)
                if name == "more-silent" and i >= scale.videos:
                    rec.sentences = []  # the extra videos without their narration: video only
                sub.write(rec)
        if name == "all":
            build_vocab(root, VocabConfig(levels=scale.levels, k=scale.k, seed=seed), root / "vocab")
        else:  # skips the videos assigned before
            assign_corpus(root, VisualVocab.load(out["all"] / "vocab"), root / "vocab")
        out[name] = root
        log(f"pretraining set {name}: {len(members[name])} training videos")
    return {k: v for k, v in out.items() if k in sets or k == "all"}


def run_dir(work: Path, seed: int, init: str, name: str, scale: Scale) -> Path:
    changed = "".join(f"-{k}={v}" for k, v in scale.pretrain)
    return work / f"seed{seed}" / f"run-{init}-{name}-{scale.max_steps or 'default'}steps{changed}"


def pretrain_on(root: Path, run: Path, seed: int, init: str, scale: Scale) -> tuple[Path, float]:
    from videobert.train import PretrainConfig, pretrain

    model = run / "model"
    cfg = PretrainConfig(init=init, seed=seed, device="cpu", max_steps=scale.max_steps,
                         **{**({"size": "tiny"} if init == "scratch" else {}), **dict(scale.pretrain)})  # --pretrain-set wins
    if (model / "videobert.json").is_file():
        check_reusable(run, cfg)
        return model, float("nan")
    t0 = time.time()
    pretrain(root, run, cfg, vocab_dir=root / "vocab", resume=any(run.glob("checkpoints/*")))
    took = time.time() - t0
    log(f"pretrained {run.name}: {took / 60:.1f} min")
    return model, took


# ---- evaluation ------------------------------------------------------------------------------
def heldout_segments(segments, annotations: Path):
    """The segments of held-out verb-noun pairs: their annotations say ``heldout_pair`` (synth)."""
    from videobert.utils.io import read_json

    db = read_json(annotations)["database"]
    held = {(vid, a["id"]) for vid, e in db.items() for a in e["annotations"] if a.get("heldout_pair")}
    return [s for s in segments if (s.segment.video_id, s.segment.index) in held]


def zeroshot_row(data, verbs, nouns, annotations: Path) -> dict:
    from videobert.tasks.zeroshot import evaluate_zeroshot

    out = {}
    held = heldout_segments(data.val, annotations)
    for prefix, segs in (("", data.val), ("held_", held)):
        if not segs:
            continue
        zs = evaluate_zeroshot(data.model, segs, data.tokens, verbs, nouns)
        (vote_v, vote_n), (nn_v, nn_n) = references(data, verbs, nouns, segs)
        out.update(narration_vote(data, verbs, nouns, segs, prefix))
        out.update({f"{prefix}{k}": v for k, v in dict(
            verb_top1=zs.verb_top1, verb_top5=zs.verb_top5, noun_top1=zs.noun_top1, noun_top5=zs.noun_top5,
            prior_verb_top1=zs.prior_verb_top1, prior_verb_top5=zs.prior_verb_top5,
            prior_noun_top1=zs.prior_noun_top1, prior_noun_top5=zs.prior_noun_top5,
            vote_verb=vote_v, vote_noun=vote_n, nn_verb=nn_v, nn_noun=nn_n, n_segments=len(segs)).items()})
    return out


def narration_vote(data, verbs, nouns, segments, prefix: str = "") -> dict:
    """The per-word vote learned from the training videos' narration, what pretraining reads
    (`tasks.wordlabels.narration_labels`), instead of their annotated steps."""
    from videobert.tasks.wordlabels import narration_labels, segment_reference

    train_videos = sorted({s.segment.video_id for s in data.train})
    v, n = segment_reference(narration_labels(data.corpus, train_videos, data.tokens, verbs, nouns),
                             segments, data.tokens)
    return {f"{prefix}narr_verb": v, f"{prefix}narr_noun": n}


def narration_row(model: Path, corpus: Path, ann: Path, videos: Path) -> dict:
    """`narration_vote` on all and on the held-out-pair validation segments (for a row recorded
    before the column existed: no model is run)."""
    data, verbs, nouns = eval_data(model, corpus, ann, videos)
    held = heldout_segments(data.val, ann)
    return {**narration_vote(data, verbs, nouns, data.val),
            **(narration_vote(data, verbs, nouns, held, "held_") if held else {})}


def eval_data(model: Path, corpus: Path, ann: Path, videos: Path):
    """(tasks.report.EvalData, verbs, nouns) of a pretrained model on the labelled corpus."""
    from videobert.tasks.annotations import read_labels
    from videobert.tasks.report import load_eval_data

    data = load_eval_data(str(model), str(corpus), str(ann), "cpu")
    return data, read_labels(videos / "verbs.txt"), read_labels(videos / "nouns.txt")


def evaluate_set(model: Path, corpus: Path, ann: Path, videos: Path) -> dict:
    data, verbs, nouns = eval_data(model, corpus, ann, videos)
    return zeroshot_row(data, verbs, nouns, ann)


def caption_rows(model: Path, corpus: Path, ann: Path, out: Path, seed: int, scale: Scale) -> list[dict]:
    from videobert.tasks.captioning import CaptionerConfig
    from videobert.tasks.report import load_eval_data, run_caption

    data = load_eval_data(str(model), str(corpus), str(ann), "cpu")
    result = run_caption(data, out, CaptionerConfig(seed=seed, epochs=scale.caption_epochs))
    return [{"train_segments": len(data.train), "val_segments": len(data.val), **r.to_dict()} for r in result.rows]


# ---- tables ------------------------------------------------------------------------------------
def ms(values) -> str:
    v = np.array([x for x in values if x is not None and not np.isnan(x)], dtype=float)
    if not len(v):
        return "n/a"
    return f"{v.mean():.3f} +- {v.std(ddof=1):.3f}" if len(v) > 1 else f"{v[0]:.3f}"


def table1(rows: list[dict], prefix: str, verbs: int, nouns: int) -> str:
    def col(key):
        return ms([r.get(prefix + key) for r in rows])

    n = ", ".join(str(r.get(prefix + "n_segments", 0)) for r in rows) + " (per seed)"
    lines = [f"segments: {n}", "", "| method | verb top-1 | verb top-5 | noun top-1 | noun top-5 |", "|---|---|---|---|---|",
             f"| chance | {1 / verbs:.3f} | {min(1, 5 / verbs):.3f} | {1 / nouns:.3f} | {min(1, 5 / nouns):.3f} |",
             f"| language prior (no video) | {col('prior_verb_top1')} | {col('prior_verb_top5')} | "
             f"{col('prior_noun_top1')} | {col('prior_noun_top5')} |",
             f"| VideoBERT cross-modal | {col('verb_top1')} | {col('verb_top5')} | {col('noun_top1')} | {col('noun_top5')} |",
             f"| per-word vote (reference; words labelled by the annotated steps) | {col('vote_verb')} | n/a | "
             f"{col('vote_noun')} | n/a |",
             f"| narration vote (reference; words labelled by the narration pretraining reads) | {col('narr_verb')} "
             f"| n/a | {col('narr_noun')} | n/a |",
             f"| 1-NN on the clip features (bound) | {col('nn_verb')} | n/a | {col('nn_noun')} | n/a |"]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--init", default="scratch", help="scratch (tiny) or minilm")
    ap.add_argument("--videos", type=int, default=Scale.videos, help="labelled videos (training + validation)")
    ap.add_argument("--more", type=int, default=Scale.more, help="the `more` sets draw from VIDEOS x MORE videos")
    ap.add_argument("--caption-videos", type=int, default=Scale.caption_videos,
                    help="labelled training videos the captioners learn from")
    ap.add_argument("--max-steps", type=int, default=0, help="pretraining steps; 0: the library's default")
    ap.add_argument("--caption-epochs", type=int, default=Scale.caption_epochs)
    ap.add_argument("--backbone", choices=["s3d", "efficientnet_lite0"], default="s3d",
                    help="clip features: random S3D at 64 px (default) or ImageNet EfficientNet-Lite0 at 224 px")
    ap.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS), help="Table 2's pretraining sets")
    ap.add_argument("--no-captions", action="store_true", help="skip Table 3")
    ap.add_argument("--quick", action="store_true",
                    help="a few minutes end to end: 8 labelled videos (x2), 64x48, 40 steps, captioners 2 epochs")
    ap.add_argument("--pretrain-set", action="append", default=[], metavar="FIELD=VALUE",
                    help="a PretrainConfig field other than its default (repeatable; e.g. context_clips=2)")
    ap.add_argument("--synth-set", action="append", default=[], metavar="FIELD=VALUE",
                    help="a SynthConfig field other than the hard style's (repeatable; e.g. full_mention=1 for "
                         "narration that names every step)")
    ap.add_argument("--work", default="bench-paper")
    a = ap.parse_args()
    from videobert.train import PretrainConfig
    from videobert.utils.config import ConfigError, parse_overrides

    try:
        changes = list(parse_overrides(a.pretrain_set, "--pretrain-set").items())
    except ConfigError as e:
        ap.error(f"expected FIELD=VALUE with a PretrainConfig field: {e}")
    bad = [k for k, _ in changes if k not in {f.name for f in dataclasses.fields(PretrainConfig)}]
    if bad:
        ap.error(f"--pretrain-set {bad[0]!r}: expected FIELD=VALUE with a PretrainConfig field")
    from videobert.synth import SynthConfig

    try:
        synth = tuple(parse_overrides(a.synth_set, "--synth-set").items())
    except ConfigError as e:
        ap.error(f"expected FIELD=VALUE with a SynthConfig field: {e}")
    bad = [k for k, _ in synth if k not in {f.name for f in dataclasses.fields(SynthConfig)} - {"videos", "seed", "style"}]
    if bad:
        ap.error(f"--synth-set {bad[0]!r}: expected FIELD=VALUE with a SynthConfig field (not videos, seed, style)")
    try:  # coerced and validated as the generator will read them ("1" -> 1.0); the bad field named
        parsed = SynthConfig.from_dict({"style": "hard", **dict(synth)}).to_dict()
        synth = tuple((k, parsed[k]) for k, _ in synth)
    except (ConfigError, TypeError, ValueError) as e:
        ap.error(f"--synth-set: {e}")
    logging.basicConfig(level=logging.WARNING)
    if a.quick:
        scale = dataclasses.replace(QUICK, pretrain=tuple(changes), synth=QUICK.synth + synth,
                                    **({"max_steps": a.max_steps} if a.max_steps else {}))
        if a.seeds == [0, 1, 2]:
            a.seeds = [0]
    else:
        scale = Scale(videos=a.videos, more=a.more, caption_videos=a.caption_videos, max_steps=a.max_steps,
                      caption_epochs=a.caption_epochs, backbone=a.backbone, pretrain=tuple(changes),
                      synth=synth)
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    results = work / "results.jsonl"
    tag = json.dumps(dataclasses.asdict(scale), sort_keys=True) + a.init + recipe_key()  # other defaults: other rows
    done = {}
    if results.is_file():
        for r in map(json.loads, results.read_text().splitlines()):
            done[(r["tag"], r["seed"], r["table"], r["set"])] = r

    def record(row: dict) -> dict:
        row = {"tag": tag, **row}
        with open(results, "a") as f:
            f.write(json.dumps(row) + "\n")
        done[(tag, row["seed"], row["table"], row["set"])] = row
        return row

    zs_rows: dict[str, list[dict]] = {s: [] for s in SETS}
    cap_rows: list[dict] = []
    t_all = time.time()
    for seed in a.seeds:
        videos = make_videos(work, seed, scale)
        corpus = ingest_all(work, videos, seed, scale)
        sets = pretraining_sets(work, videos, corpus, seed, scale, a.sets)
        ann = labelled_annotations(videos, work / f"seed{seed}" / "annotations_labelled.json", scale.videos)
        for name, root in sets.items():
            key = (tag, seed, "zeroshot", name)
            if key not in done:
                model, took = pretrain_on(root, run_dir(work, seed, a.init, name, scale), seed, a.init, scale)
                t0 = time.time()
                row = evaluate_set(model, corpus, ann, videos)
                log(f"zero-shot {name}: {time.time() - t0:.0f} s")
                record({"seed": seed, "table": "zeroshot", "set": name, "init": a.init, "pretrain_seconds": took,
                        "load": os.getloadavg()[0], **row})
            elif "narr_verb" not in done[key]:  # recorded before the narration vote: add it, no retraining
                model = run_dir(work, seed, a.init, name, scale) / "model"
                record({k: v for k, v in {**done[key], **narration_row(model, corpus, ann, videos)}.items()
                        if k != "tag"})
            zs_rows[name].append(done[key])
        if not a.no_captions:
            key = (tag, seed, "caption", "more")
            biggest = "more" if "more" in sets else "all"
            if key not in done:
                cann = labelled_annotations(videos, work / f"seed{seed}" / "annotations_caption.json", scale.videos,
                                            scale.caption_videos)
                run = run_dir(work, seed, a.init, biggest, scale)
                t0 = time.time()
                rows = caption_rows(run / "model", corpus, cann, run.parent / f"caption-{run.name}-{scale.caption_videos}"
                                    f"-{scale.caption_epochs}", seed, scale)
                log(f"captioning: {time.time() - t0:.0f} s")
                record({"seed": seed, "table": "caption", "set": "more", "pretrained_on": biggest, "rows": rows,
                        "load": os.getloadavg()[0]})
            cap_rows.append(done[key])

    from videobert.synth import HARD_NOUNS, HARD_VERBS

    nv, nn = len(HARD_VERBS), len(HARD_NOUNS)
    seeds = " ".join(map(str, a.seeds))
    print(f"\n# Results: hard synthetic world, seeds {seeds}, init {a.init}, scale {dataclasses.asdict(scale)}")
    print(f"(mean +- sample sd over seeds; wall {(time.time() - t_all) / 60:.1f} min this run, "
          f"load average now {' / '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)\n")
    print("## Table 1: zero-shot action classification (pretrained on `all`), all validation segments\n")
    print(table1(zs_rows["all"], "", nv, nn))
    print("\n### held-out verb-noun pairs only (never in a training or pretraining video)\n")
    print(table1(zs_rows["all"], "held_", nv, nn))
    print("\n## Table 2: zero-shot against the amount of pretraining video\n")
    print("| pretrained on | videos | verb top-1 | verb top-5 | noun top-1 | noun top-5 | held-out verb / noun top-1 "
          "| prior verb / noun top-1 | minutes |")
    print("|---|---|---|---|---|---|---|---|---|")
    n_train = {"quarter": 0.25, "half": 0.5, "all": 1.0}
    for name in [s for s in SETS if zs_rows[s]]:
        rs = zs_rows[name]
        size = f"{n_train[name]:g} x labelled" if name in n_train else f"{scale.more} x labelled" + (
            " (extra: no narration)" if name == "more-silent" else "")
        mins = ms([r["pretrain_seconds"] / 60 for r in rs])
        print(f"| {name} | {size} | {ms([r['verb_top1'] for r in rs])} | {ms([r['verb_top5'] for r in rs])} | "
              f"{ms([r['noun_top1'] for r in rs])} | {ms([r['noun_top5'] for r in rs])} | "
              f"{ms([r.get('held_verb_top1') for r in rs])} / {ms([r.get('held_noun_top1') for r in rs])} | "
              f"{ms([r['prior_verb_top1'] for r in rs])} / {ms([r['prior_noun_top1'] for r in rs])} | {mins} |")
    if cap_rows:
        r0 = cap_rows[0]["rows"][0]
        print(f"\n## Table 3: captioning from {scale.caption_videos} labelled training videos "
              f"({r0['n']} validation segments), VideoBERT pretrained on `{cap_rows[0]['pretrained_on']}`\n")
        print("| method | BLEU-3 | BLEU-4 | METEOR | ROUGE-L | CIDEr |\n|---|---|---|---|---|---|")
        for k, r in enumerate(cap_rows[0]["rows"]):
            rs = [c["rows"][k] for c in cap_rows]
            print(f"| {r['name']} | {ms([x['bleu3'] for x in rs])} | {ms([x['bleu4'] for x in rs])} | "
                  f"{ms([x['meteor'] for x in rs])} | {ms([x['rouge_l'] for x in rs])} | {ms([x['cider'] for x in rs])} |")
        def gain(c, metric):  # VideoBERT + features minus features only (tasks.report.run_caption's names)
            by = {r["name"]: r[metric] for r in c["rows"]}
            both = [v for k, v in by.items() if k.startswith("VideoBERT + ")]
            alone = [v for k, v in by.items() if k.endswith("features only")]
            return both[0] - alone[0] if both and alone else float("nan")

        for metric in ("bleu4", "cider"):
            d = [gain(c, metric) for c in cap_rows]
            print(f"\nVideoBERT + features minus features only, {metric}: per seed {', '.join(f'{x:+.3f}' for x in d)}; "
                  f"mean {ms(d)}")


if __name__ == "__main__":
    main()
