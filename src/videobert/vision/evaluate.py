"""How well and how fast the student reproduces the teacher's visual tokens.

- `agreement`: on held-out clips, the student's top-1 / top-5 leaf (combined heads) against the
  teacher's token, the distillation head alone, and the class head's first-level cluster,
  with two references: chance (1 / #tokens) and the majority token of the training clips.
- `tokenization_speed`: clips/s of teacher (decode 30 frames at the teacher's size + backbone
  + `VisualVocab.assign`) and student (decode at the student's size + one ViT pass over F
  frames per clip) on the same videos, same machine, one after the other. The teacher
  backbone runs with random weights: the weights' values do not change the time.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ..utils.media import locate
from .data import to_input
from .model import DistilledStudent, combine_heads


@torch.inference_mode()
def agreement(model: DistilledStudent, clips, mean: torch.Tensor, std: torch.Tensor,
              train_leaves: torch.Tensor | None = None, batch_size: int = 64) -> dict:
    """clips: a `data.ClipSet`. Returns a dict of rates in [0, 1] (plus `clips`)."""
    device = next(model.parameters()).device
    hits = {"leaf_top1": 0, "leaf_top5": 0, "leaf_top1_dist_head": 0, "coarse_top1": 0}
    n = len(clips.leaves)
    for s in range(0, n, batch_size):
        rows = np.arange(s, min(n, s + batch_size))
        out = model(to_input(clips.batch_frames(rows), mean, std).to(device))
        leaf = clips.leaves[rows].to(device)  # (B,)
        combined = combine_heads(out.coarse_logits, out.leaf_logits, model.coarse_of)  # (B, L)
        top5 = combined.topk(min(5, model.num_leaves), -1).indices  # (B, 5)
        hits["leaf_top1"] += int((top5[:, 0] == leaf).sum())
        hits["leaf_top5"] += int((top5 == leaf[:, None]).any(-1).sum())
        hits["leaf_top1_dist_head"] += int((out.leaf_logits.argmax(-1) == leaf).sum())
        hits["coarse_top1"] += int((out.coarse_logits.argmax(-1) == model.coarse_of[leaf]).sum())
    result = {k: v / n for k, v in hits.items()}
    result["clips"] = n
    result["chance_leaf_top1"] = 1.0 / model.num_leaves
    if train_leaves is not None:
        majority = int(torch.bincount(train_leaves, minlength=model.num_leaves).argmax())
        result["majority_leaf_top1"] = float((clips.leaves == majority).float().mean())
    return result


def tokenization_speed(sources: list[str], vocab_dir: str | Path, student_dir: str | Path,
                       teacher: dict, grid: dict, batch_size: int = 8, device: str = "auto") -> dict:
    """Teacher vs. student tokenization of the same video files. -> clips/s and seconds for each."""
    from ..ingest.backbones import create_backbone
    from ..ingest.decode import ClipReader, iter_clip_batches
    from ..vocab import VisualVocab
    from .tokenizer import StudentTokenizer, student_tokenize_video

    vocab = VisualVocab.load(vocab_dir)
    backbone = create_backbone(teacher["backbone"], "random", int(teacher["size"]), device)
    student = StudentTokenizer(student_dir, device)

    def run_teacher(path: str) -> int:
        reader = ClipReader(path, backbone.input_size, resize=backbone.resize, **grid)
        n = 0
        with torch.inference_mode():
            for b in iter_clip_batches(reader, batch_size):
                feats = backbone(backbone.preprocess(torch.from_numpy(b))).float().cpu().numpy()  # (B, D)
                n += len(vocab.assign(feats))
        return n

    result = {}
    for name, fn in (("teacher", run_teacher), ("student", lambda p: len(student_tokenize_video(p, student, batch_size)[1]))):
        fn(sources[0])  # warm-up (allocator, threads, first-call overheads)
        t0, clips = time.perf_counter(), 0
        for src in sources:
            clips += fn(src)
        dt = time.perf_counter() - t0
        result[name] = {"clips": clips, "seconds": dt, "clips_per_s": clips / dt}
    result["speedup"] = result["student"]["clips_per_s"] / result["teacher"]["clips_per_s"]
    result["teacher_model"] = f"{teacher['backbone']} @ {teacher['size']} px + vocab.assign"
    result["student_model"] = (f"DeiT student {student.model.arch.embed_dim}w x {student.model.arch.depth} "
                               f"@ {student.input_size} px, {student.model.arch.frames} frames/clip")
    return result


def evaluate_student(student_dir: str | Path, corpus_dir: str | Path | None = None, vocab_dir: str | Path | None = None,
                     speed_videos: int = 4, device: str = "auto") -> dict:
    """Agreement on the student's held-out videos (OUT/split.json) + tokenization speed on a few of them.

    corpus_dir / vocab_dir default to the ones the student was distilled from (student.json).
    """
    from ..corpus import Corpus
    from ..utils.device import resolve_device
    from ..utils.io import read_json
    from .data import FrameCache, load_clips
    from .model import load_student

    student_dir = Path(student_dir)
    model, info = load_student(student_dir, resolve_device(device))
    corpus = Corpus(corpus_dir or info["corpus"])
    vocab_dir = Path(vocab_dir or info["vocab"])
    split_path = student_dir / "split.json"
    split = read_json(split_path) if split_path.is_file() else {"train": [], "heldout": corpus.video_ids()}
    heldout = [v for v in split["heldout"] if corpus.has(v)]
    if not heldout:
        raise ValueError(f"no held-out videos of {split_path} are in {corpus.root}")
    cache = FrameCache(student_dir / "frames", model.arch.img_size, model.arch.frames, info["grid"])
    mean, std = torch.tensor(info["mean"]), torch.tensor(info["std"])
    train_leaves = None
    if split["train"]:
        from ..vocab import read_tokens

        train_leaves = torch.from_numpy(np.concatenate([read_tokens(vocab_dir, v) for v in split["train"]]).astype(np.int64))
    result = agreement(model, load_clips(corpus, vocab_dir, heldout, cache), mean, std, train_leaves)
    result["heldout_videos"] = len(heldout)
    if speed_videos > 0:
        sources = [locate(corpus.read(v).source) for v in heldout[:speed_videos]]
        result["speed"] = tokenization_speed(sources, vocab_dir, student_dir, info["teacher"], info["grid"], device=device)
    return result
