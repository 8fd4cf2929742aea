"""Does VideoBERT help captioning when it is pretrained on more videos than the captioner sees?

    python bench/caption_pretraining.py --pretrain-videos 64 256 --seeds 0 [--work DIR]

The paper pretrains on 312K unlabelled videos and trains its captioner on YouCook II's
annotated ones; the demo pretrains and captions on the same 64. Here, per seed: the demo's
pipeline (synth with details -> EfficientNet-Lite0 ingest -> 2 x 12 vocabulary -> pretraining
with the library defaults) on N synthetic videos, for each N; then captioning exactly as the
demo does it, on the demo's split of its 64 videos (the captioners train on the 48 training
videos' annotations and are scored on the 16 validation videos'). Synthetic video i is the
same in every corpus of a seed, so the features-only captioner and the nearest-caption row
are the same for every N: only what VideoBERT was pretrained on changes. Prints one row per
(N, method) and writes ``results.jsonl`` in the work directory.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def annotations_of_the_demo_split(synth_dir: Path, seed: int, out: Path, videos: int = 64) -> Path:
    """The corpus' annotations restricted to videos 0..videos-1, split as a `videos`-video demo splits them."""
    from videobert.synth import SynthConfig
    from videobert.synth.generator import validation_indices, video_id
    from videobert.utils.io import atomic_write_json, read_json

    val = validation_indices(SynthConfig(videos=videos, seed=seed))
    db = read_json(synth_dir / "annotations.json")["database"]
    keep = {video_id(i): {**db[video_id(i)], "subset": "validation" if i in val else "training"} for i in range(videos)}
    atomic_write_json(out, {"database": keep})
    return out


def run(work: Path, n: int, seed: int) -> list[dict]:
    from videobert.demo import Demo, DemoConfig
    from videobert.tasks.captioning import CaptionerConfig
    from videobert.tasks.report import load_eval_data, run_caption

    demo = Demo(work / f"pretrain{n}-seed{seed}", DemoConfig(videos=n, seed=seed), progress=False, say=print)
    t0 = time.time()
    for stage in (demo.synth, demo.ingest, demo.vocab, demo.pretrain):
        print(f"[N={n} seed={seed}] {stage.__name__}: {stage()}", flush=True)
    ann = annotations_of_the_demo_split(demo.synth_dir, seed, demo.out / "annotations_demo_split.json")
    data = load_eval_data(str(demo.model_dir), str(demo.corpus_dir), str(ann), "cpu")
    result = run_caption(data, demo.out / "caption_demo_split", CaptionerConfig(seed=seed))
    minutes = (time.time() - t0) / 60
    return [{"pretrain_videos": n, "seed": seed, "train_segments": len(data.train), "val_segments": len(data.val),
             "minutes": minutes, "load_avg": os.getloadavg()[0], **row.to_dict()} for row in result.rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pretrain-videos", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--work", default="bench-caption-pretraining")
    a = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for seed in a.seeds:
        for n in a.pretrain_videos:
            got = run(work, n, seed)
            with open(work / "results.jsonl", "a") as f:
                f.writelines(json.dumps(r) + "\n" for r in got)
            rows += got
    print("\n| pretrained on | seed | method | BLEU-3 | BLEU-4 | METEOR | ROUGE-L | CIDEr | load avg |\n|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        m = "n/a" if r["meteor"] is None else f"{r['meteor']:.3f}"
        print(f"| {r['pretrain_videos']} videos | {r['seed']} | {r['name']} | {r['bleu3']:.3f} | {r['bleu4']:.3f} | {m} "
              f"| {r['rouge_l']:.3f} | {r['cider']:.3f} | {r.get('load_avg', float('nan')):.1f} |")


if __name__ == "__main__":
    main()
