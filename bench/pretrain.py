"""Benchmark: our pretraining step vs. plain `BertForPreTraining` on the same examples.

Ours: length-bucketed batches (`bucket_batches`, pool 50) and the MLM head evaluated only on
the masked positions (`PretrainingObjective`). Baseline: `BertForPreTraining` of the same size
and joint vocabulary, the same masked examples in random batches padded to the longest,
with its own MLM + NSP loss (head over every position). Both steps run AdamW, alternately
(ours, baseline, ours, ...) so machine load drifts hit both alike.

Reported per side: useful tokens/s (non-padding tokens) and MFU = model FLOPs/s over the
fp32 matmul peak measured in this run. Model FLOPs = 3 x forward FLOPs of the useful work:
per real token 24*H^2 per layer + 4*T*H attention, plus the MLM head (2*H^2 + 2*H*V) per
masked token (the same count for both sides, so the MFU ratio equals the throughput ratio).

    python bench/pretrain.py [--size small] [--steps 8] [--batch-size 32] [--num-visual 20736]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from videobert.corpus import Sentence, VideoRecord
from videobert.data import ExampleSpec, Masker, bucket_batches, collate, make_examples, video_data
from videobert.model import VideoBERT
from videobert.train.loop import PretrainingObjective

WORDS = ("now cut the onion slice tomato stir pan add salt pour oil mix bowl fry egg then into with some "
         "let me show you how to chop carrot garlic pepper heat water boil pasta sauce").split()


class _Leaves:  # the vocabulary attributes model creation reads
    def __init__(self, n, dim=64, seed=0):
        self.num_tokens, self.feature_dim = n, dim
        self.leaf_centroids = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def synthetic_videos(tok, n_videos, rng):
    """Narrated videos: sentences of 3-30 words over 1-8 clips, some silent stretches."""
    out = []
    for v in range(n_videos):
        n_clips = int(rng.integers(40, 160))
        sents, t = [], 0.0
        while t < n_clips * 1.5 - 12:
            if rng.random() < 0.15:
                t += float(rng.uniform(5, 30))
                continue
            d = float(rng.uniform(1.5, 12))
            sents.append(Sentence(" ".join(rng.choice(WORDS, size=int(rng.integers(3, 30)))), t, t + d))
            t += d
        rec = VideoRecord(f"v{v}", "", n_clips * 1.5, np.arange(n_clips) * 1.5, np.zeros((n_clips, 1), np.float16), sents)
        out.append(video_data(rec, rng.integers(0, tok.num_visual, size=n_clips), tok))
    return out


def matmul_peak(n=2048, reps=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best


def useful_flops(batch, cfg):
    L, H, V = cfg.num_hidden_layers, cfg.hidden_size, cfg.vocab_size
    lens = batch["attention_mask"].sum(1).double()  # (B,)
    enc = (lens * (24 * L * H * H) + lens * lens * (4 * L * H)).sum()
    head = (batch["mlm_labels"] != -100).sum() * (2 * H * H + 2 * H * V)
    return 3 * float(enc + head)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="small", choices=["tiny", "small", "base", "large"])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--num-visual", type=int, default=12**4)
    ap.add_argument("--videos", type=int, default=60)
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    model = VideoBERT.create("scratch", _Leaves(args.num_visual), {}, size=args.size, seed=0)
    tok, cfg = model.tokenizer, model.bert.config
    from transformers import BertForPreTraining

    base = BertForPreTraining(cfg)  # same size, same joint vocabulary
    base.load_state_dict(model.bert.state_dict())
    rng = np.random.default_rng(0)
    ex = make_examples(synthetic_videos(tok, args.videos, rng), tok, ExampleSpec(max_len=args.max_len), rng)
    lengths = np.array([len(e.input_ids) for e in ex])
    masker = Masker(tok)
    ours_b = bucket_batches(lengths, args.batch_size, np.random.default_rng(1), pool=50)
    base_b = bucket_batches(lengths, args.batch_size, np.random.default_rng(1), pool=1)  # random batches
    n = min(args.steps + 2, len(ours_b), len(base_b))
    # each example is masked the same way on both sides: mask by example index
    def batch(idx):
        masked = [masker(ex[i].input_ids, ex[i].kind, ex[i].align_label, np.random.default_rng(int(i))) for i in idx]
        b = collate([ex[i] for i in idx], masker, np.random.default_rng(0))
        for row, (ids, lab) in enumerate(masked):
            b["input_ids"][row, : len(ids)] = torch.from_numpy(ids)
            b["mlm_labels"][row, : len(lab)] = torch.from_numpy(lab)
        return b

    objective = PretrainingObjective(model).train()
    base.train()
    opts = {k: torch.optim.AdamW(m.parameters(), lr=1e-4) for k, m in (("ours", model), ("base", base))}

    def step_ours(b):
        loss, _ = objective(b)
        loss.backward()

    def step_base(b):
        out = base(input_ids=b["input_ids"], token_type_ids=b["token_type_ids"], attention_mask=b["attention_mask"],
                   labels=b["mlm_labels"], next_sentence_label=b["align_labels"])
        out.loss.backward()

    peak = matmul_peak()
    stats = {k: {"time": 0.0, "tokens": 0, "padded": 0, "flops": 0.0} for k in opts}
    for i in range(n):
        for key, fn, bidx in (("ours", step_ours, ours_b[i]), ("base", step_base, base_b[i])):
            b = batch(bidx)
            t = time.perf_counter()
            fn(b)
            opts[key].step()
            opts[key].zero_grad(set_to_none=True)
            dt = time.perf_counter() - t
            if i >= 2:  # warm-up steps excluded
                s = stats[key]
                s["time"] += dt
                s["tokens"] += int(b["attention_mask"].sum())
                s["padded"] += b["attention_mask"].numel()
                s["flops"] += useful_flops(b, cfg)
    peak = max(peak, matmul_peak())
    print(f"model: {args.size} ({cfg.num_hidden_layers}L {cfg.hidden_size}H), joint vocab {cfg.vocab_size}, "
          f"batch {args.batch_size}, max_len {args.max_len}, {n - 2} timed steps each, {torch.get_num_threads()} threads")
    print(f"matmul peak (fp32, 2048^3, best of runs): {peak / 1e9:.1f} GFLOP/s")
    res = {}
    for key, s in stats.items():
        tps = s["tokens"] / s["time"]
        mfu = s["flops"] / s["time"] / peak
        res[key] = tps
        print(f"{key:>4}: {tps:8.1f} useful tokens/s  padding {1 - s['tokens'] / s['padded']:.1%}  "
              f"MFU {mfu:.1%}  ({s['time']:.1f} s)")
    print(f"speed-up (useful tokens/s, ours / baseline): {res['ours'] / res['base']:.2f}x")


if __name__ == "__main__":
    main()
