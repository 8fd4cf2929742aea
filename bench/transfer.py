"""Does learning transfer? Pretrain with the library's DEFAULTS on synthetic corpora of each
style and print what the model learned on held-out videos, beside the references.

    python bench/transfer.py --styles kitchen studio --inits scratch --seeds 0 1 2 [--work DIR]

Per style: ``videobert synth`` (64 videos, no audio, seed 0) -> ingest (``--backbone s3d``: random
S3D, 64 px; ``s3d112``: the same at 112 px; ``efficientnet_lite0``: ImageNet EfficientNet-Lite0, 224 px, 3 frames per clip) ->
vocab (2 x 12 words); both are made once and reused. Per (init, seed): ``videobert pretrain``
with nothing but ``--init`` (and ``--size tiny`` for scratch) and ``--seed``, then on the
validation videos: zero-shot (paper template) and its language prior, the per-word majority
vote (a reference, not a bound) and 1-NN on the clip features (the bound the features allow),
alignment accuracy per negative kind, retrieval R@10 / median rank with both scorers, and
text-to-video verb / noun accuracy. One row per run, then the mean per (style, init).
The styles are never tuned on: `studio` exists to check what `kitchen` taught us.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def sh(*args: str, log: Path) -> None:
    with open(log, "a") as f:
        r = subprocess.run([sys.executable, "-m", "videobert", *args], stdout=f, stderr=subprocess.STDOUT)
    if r.returncode:
        raise SystemExit(f"`videobert {' '.join(args)}` failed; see {log}")


FEATURES = {  # backbone -> `videobert ingest` options
    "s3d": ["--weights", "random", "--size", "64"],  # the paper's network, random weights (offline)
    "s3d112": ["--weights", "random", "--size", "112"],  # the same at 112 px (the hidden 6 x 8 corpus' features)
    "efficientnet_lite0": ["--backbone", "efficientnet_lite0"],  # ImageNet weights from a pip package, 224 px
}


def corpus(work: Path, style: str, videos: int, backbone: str = "s3d", details: bool = True) -> tuple[Path, Path]:
    name = style if details else f"{style}_plain"  # plain: `synth --no-details`
    synth = work / f"{name}_videos"
    corp = work / (f"{name}_corpus" if backbone == "s3d" else f"{name}_{backbone}_corpus")
    if not (synth / "annotations.json").is_file():
        sh("synth", str(synth), "--videos", str(videos), "--style", style, "--no-audio",
           *([] if details else ["--no-details"]), log=work / f"{style}.log")
    if not (corp / "vocab" / "vocab.json").is_file():
        sh("ingest", str(synth), "--out", str(corp), *FEATURES[backbone], "--device", "cpu",
           "--workers", "2", "--no-progress", log=work / f"{style}.log")
        sh("vocab", str(corp), "--levels", "2", "--k", "12", log=work / f"{style}.log")
    return synth, corp


def recipe_key() -> str:
    """A short hash of the library's pretraining defaults: a results row or a finished run made
    under other defaults (an older checkout) is not reused as if it were today's."""
    from videobert.train import PretrainConfig
    from videobert.train.engine import fingerprint

    return fingerprint(PretrainConfig().to_dict())[:8]


def check_reusable(run: Path, config) -> None:
    """Refuse to reuse the finished run in `run` when it was trained with a config other than
    `config` (a `PretrainConfig`; its automatic length and learning rate, 0 / None, match any)."""
    from videobert.train.engine import check_same_config
    from videobert.utils.io import read_json

    saved = read_json(run / "config.json")
    auto = {k: saved[k] for k in ("max_steps", "lr") if k in saved and getattr(config, k) in (0, None)}
    try:
        check_same_config(run / "config.json", dataclasses.replace(config, **auto))
    except ValueError as e:
        raise SystemExit(f"{run} holds a finished run of another pretraining recipe (an older checkout's "
                         f"defaults?); delete it or use another --work. {str(e).split('(saved, given): ')[-1]}") from None


def references(data, verbs, nouns, segments=None) -> tuple[tuple[float, float], tuple[float, float]]:
    """(per-word vote, 1-NN on the clip features) verb / noun top-1 on `segments` (default: the
    validation segments), both learned from the training segments of `data` (tasks.report.EvalData)."""
    from videobert.tasks.wordlabels import nearest_neighbour_bound, segment_reference, word_labels

    segments = data.val if segments is None else segments
    labels = word_labels(data.train, data.tokens, verbs, nouns)
    return (segment_reference(labels, segments, data.tokens),
            nearest_neighbour_bound(data.corpus, data.train, segments, verbs, nouns))


def evaluate(run: Path, corp: Path, synth: Path) -> dict:
    import torch

    from videobert.tasks.alignment import AlignmentConfig
    from videobert.tasks.annotations import read_labels
    from videobert.tasks.report import (
        heldout_video_ids,
        load_eval_data,
        run_alignment,
        run_retrieval,
        run_text2video,
        run_zeroshot,
    )
    from videobert.tasks.retrieval import RetrievalConfig

    torch.set_num_threads(2)
    data = load_eval_data(str(run / "model"), str(corp), str(synth / "annotations.json"), "cpu")
    verbs, nouns = read_labels(synth / "verbs.txt"), read_labels(synth / "nouns.txt")
    zs = run_zeroshot(data, verbs, nouns)
    ref, nn = references(data, verbs, nouns)
    al = run_alignment(data.model, data.corpus, heldout_video_ids(data.corpus, str(run / "model"),
                                                                   str(synth / "annotations.json")), AlignmentConfig())
    r_mlm = run_retrieval(data, RetrievalConfig(scorer="mlm", max_segments=100))
    r_al = run_retrieval(data, RetrievalConfig(scorer="alignment", max_segments=100))
    t2v = run_text2video(data, verbs, nouns)
    return {"zs_verb": zs.verb_top1, "zs_noun": zs.noun_top1, "prior_verb": zs.prior_verb_top1,
            "prior_noun": zs.prior_noun_top1, "ref_verb": ref[0], "ref_noun": ref[1], "nn_verb": nn[0], "nn_noun": nn[1],
            "align_other": al.balanced_accuracy.get("other_video", float("nan")),
            "align_same": al.balanced_accuracy.get("same_video", float("nan")),
            "r10_mlm": r_mlm.r10, "mr_mlm": r_mlm.median_rank, "r10_align": r_al.r10, "mr_align": r_al.median_rank,
            "n_retrieval": r_mlm.n, "t2v_verb": t2v.verb_accuracy, "t2v_noun": t2v.noun_accuracy,
            "t2v_freq_verb": t2v.frequent_verb_accuracy, "t2v_freq_noun": t2v.frequent_noun_accuracy,
            "t2v_distinct": t2v.distinct_words}


COLS = ["zs_verb", "zs_noun", "prior_verb", "prior_noun", "ref_verb", "ref_noun", "nn_verb", "nn_noun", "align_other", "align_same",
        "r10_mlm", "mr_mlm", "r10_align", "mr_align", "t2v_verb", "t2v_noun", "t2v_freq_verb", "t2v_freq_noun",
        "t2v_distinct", "minutes"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--styles", nargs="+", default=["kitchen", "studio"])
    ap.add_argument("--inits", nargs="+", default=["scratch"], help="scratch (tiny) and/or minilm")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--videos", type=int, default=64)
    ap.add_argument("--backbone", choices=list(FEATURES), default="s3d", help="clip features (default: %(default)s)")
    ap.add_argument("--no-details", action="store_true",
                    help="plain synthetic steps (`synth --no-details`: \"cut the tomato\"), as measured before details existed")
    ap.add_argument("--work", default="bench-transfer", help="corpora, runs and results.jsonl go here")
    ap.add_argument("--set", action="append", default=[], help="extra `videobert pretrain --set` (not the defaults!)")
    a = ap.parse_args()
    from videobert.train import PretrainConfig
    from videobert.utils.config import parse_overrides

    os.environ.setdefault("OMP_NUM_THREADS", "2")
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    results = work / "results.jsonl"
    details = not a.no_details
    recipe = recipe_key()
    done = {(r["style"], r.get("backbone", "s3d"), r["init"], r["seed"], r.get("set", ""), r.get("details", False)): r
            for r in map(json.loads, results.read_text().splitlines())
            if r.get("recipe") == recipe} if results.is_file() else {}
    rows = []
    for style in a.styles:
        synth, corp = corpus(work, style, a.videos, a.backbone, details)
        for init in a.inits:
            for seed in a.seeds:
                extra = " ".join(a.set)
                key = (style, a.backbone, init, seed, extra, details)
                if key not in done:
                    feats = "" if a.backbone == "s3d" else f"{a.backbone}-"
                    run = work / "runs" / f"{style}{'' if details else '_plain'}-{feats}{init}-{seed}{'-' + hashlib.sha1(extra.encode()).hexdigest()[:8] if extra else ''}"
                    args = ["pretrain", str(corp), "--out", str(run), "--init", init, "--seed", str(seed),
                            "--no-progress", *(["--size", "tiny"] if init == "scratch" else [])]
                    for kv in a.set:
                        args += ["--set", kv]
                    t0 = time.time()
                    if (run / "model" / "videobert.json").is_file():
                        check_reusable(run, PretrainConfig(init=init, seed=seed, **({"size": "tiny"} if init == "scratch" else {}),
                                                           **parse_overrides(a.set)))
                    else:
                        sh(*args, *(["--resume"] if (run / "config.json").is_file() else []), log=work / "pretrain.log")
                    r = {"recipe": recipe, "style": style, "backbone": a.backbone, "init": init, "seed": seed, "set": extra,
                         "details": details,
                         **evaluate(run, corp, synth),
                         "minutes": (time.time() - t0) / 60}
                    with open(results, "a") as f:
                        f.write(json.dumps(r) + "\n")
                    done[key] = r
                rows.append(done[key])
                print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in done[key].items()}),
                      flush=True)
    print("\nmean over seeds (zs = zero-shot top-1, ref = per-word vote, nn = 1-NN bound, align = balanced acc.)")
    print(f"features: {a.backbone}")
    print("| style | init | seeds | " + " | ".join(COLS) + " |")
    print("|" + "---|" * (len(COLS) + 3))
    for style in a.styles:
        for init in a.inits:
            rs = [r for r in rows if r["style"] == style and r["init"] == init]
            mean = [np.nanmean([r[c] for r in rs]) for c in COLS]
            print(f"| {style} | {init} | {len(rs)} | " + " | ".join(f"{m:.2f}" for m in mean) + " |")


if __name__ == "__main__":
    main()
