"""Benchmark: our pretraining step vs. Hugging Face `BertForPreTraining` on the same examples.

Ours: length-bucketed batches (`bucket_batches`, pool 50) and the MLM head evaluated only on
the masked positions (`PretrainingObjective`). Baselines: `BertForPreTraining` of the same size
and joint vocabulary (SDPA attention), the same masked examples, its own MLM + NSP loss (head
over every position), each batch padded to its own longest (dynamic padding), in batches
  * "HF grouped" (the fair baseline): length-grouped, as a careful HF user gets with
    `group_by_length=True` -- `transformers.trainer_pt_utils.LengthGroupedSampler` (megabatches
    of 50 batches sorted by length); the timed batches are drawn at random from its epoch so
    they are a fair sample of it (its own order runs long-to-short within a megabatch);
  * "HF random" (the old baseline, for reference): random batches, so padded to a long example.
A fourth side, *ours, softmax per modality* (`mlm_softmax: modality`: a masked word scored among
its own modality's words, pretraining's default), and a fifth, *ours, corpus softmax*
(`mlm_softmax: corpus`, an option: a text piece scored among the pieces of the corpus' text,
here the ~35 of the synthetic narration), run on our batches; their FLOPs count each masked token's head over the
words it is scored among, so their MFU is of the work they do.
All steps run AdamW (fused where PyTorch has a kernel, `train.engine.adamw`), interleaved (ours, HF grouped, HF random, ours, ...) so machine load
drifts hit all alike. Ratios are useful tokens/s against the HF grouped baseline.

Reported per side: useful tokens/s (non-padding tokens) and MFU = model FLOPs/s over the
fp32 matmul peak measured in this run. Model FLOPs = 3 x forward FLOPs of the useful work:
per real token 24*H^2 per layer + 4*T*H attention, plus the MLM head (2*H^2 + 2*H*V) per
masked token (the same count for both sides, so the MFU ratio equals the throughput ratio).

    python bench/pretrain.py [--size small] [--steps 8] [--batch-size 32] [--num-visual 20736]
                             [--threads N] [--profile] [--device auto|cpu|cuda]

On CUDA (`--device cuda`, or auto where there is one) both sides run under bf16 autocast (as
`videobert pretrain` does there) and MFU is against a bf16 matmul peak measured on the GPU.

`--profile` adds a torch.profiler breakdown of our step (forward + backward + AdamW): the top
10 ops by self CPU time.
"""
from __future__ import annotations

import argparse
import copy
import os
import time
from contextlib import nullcontext

import numpy as np
import torch

from videobert.corpus import Sentence, VideoRecord
from videobert.data import ExampleSpec, Masker, bucket_batches, collate, make_examples, video_data
from videobert.model import VideoBERT
from videobert.train.engine import adamw
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


def matmul_peak(n=2048, reps=5, device="cpu"):
    """FLOP/s of an n^3 matmul: fp32 on CPU, bf16 on CUDA (best of `reps`)."""
    cuda = torch.device(device).type == "cuda"
    if cuda:
        n = max(n, 8192)  # a GPU needs a bigger product to reach its peak
    dtype = torch.bfloat16 if cuda else torch.float32
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    best = 0.0
    for _ in range(reps):
        _sync(device)
        t = time.perf_counter()
        a @ b
        _sync(device)
        best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best


def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def useful_flops(batch, cfg, tok=None, num_text=None):
    """Model FLOPs of a step. With `tok` (the per-modality softmax), a masked token's head
    covers its modality's words only: the visual ids, or the text ids (`num_text` of them with
    the corpus softmax)."""
    L, H, V = cfg.num_hidden_layers, cfg.hidden_size, cfg.vocab_size
    lens = batch["attention_mask"].sum(1).double()  # (B,)
    enc = (lens * (24 * L * H * H) + lens * lens * (4 * L * H)).sum()
    y = batch["mlm_labels"][batch["mlm_labels"] != -100]
    if tok is None:
        head = len(y) * (2 * H * H + 2 * H * V)
    else:
        n_vis = int((y >= tok.visual_offset).sum())
        num_text = tok.num_text if num_text is None else num_text
        head = len(y) * 2 * H * H + 2 * H * (n_vis * tok.num_visual + (len(y) - n_vis) * num_text)
    return 3 * float(enc + head)


def main(argv=None):
    res = run(argv)
    if res.get("profile"):
        print(res["profile"])
    return res


def run(argv=None, say=print) -> dict:
    """Run the benchmark (argv as on the command line); prints as it goes and returns the numbers."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="small", choices=["tiny", "small", "base", "large"])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--num-visual", type=int, default=12**4)
    ap.add_argument("--videos", type=int, default=60)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch intra-op threads (default: all cores)")
    ap.add_argument("--profile", action="store_true", help="print the top-10 ops (self CPU time) of our step")
    ap.add_argument("--device", default="auto", help="auto (CUDA when available) | cpu | cuda | cuda:N")
    args = ap.parse_args(argv)
    if args.steps < 1 or args.threads < 1:
        ap.error("--steps and --threads must be >= 1")
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          "cpu" if args.device == "auto" else args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        ap.error(f"--device {args.device}: no CUDA device here")
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if device.type == "cuda" else nullcontext
    torch.set_num_threads(args.threads)
    load0 = os.getloadavg()
    torch.manual_seed(0)
    model = VideoBERT.create("scratch", _Leaves(args.num_visual), {}, size=args.size, seed=0).to(device)
    tok, cfg = model.tokenizer, model.bert.config
    from transformers import BertForPreTraining

    def hf_model():  # same size, same joint vocabulary, same initial weights, SDPA attention
        hcfg = copy.deepcopy(cfg)
        try:
            m = BertForPreTraining._from_config(hcfg, attn_implementation="sdpa")
        except (TypeError, ValueError, ImportError):  # a transformers without SDPA for BERT
            m = BertForPreTraining(hcfg)
        m.load_state_dict(model.bert.state_dict())
        return m.to(device)

    hf = {"hf_grouped": hf_model(), "hf_random": hf_model()}
    rng = np.random.default_rng(0)
    videos = synthetic_videos(tok, args.videos, rng)
    ex = make_examples(videos, tok, ExampleSpec(max_len=args.max_len), rng)
    pieces = sorted({i for v in videos for g in v.segments if g.text_ids for i in g.text_ids})  # data.text_pieces
    lengths = np.array([len(e.input_ids) for e in ex])
    masker = Masker(tok)
    ours_b = bucket_batches(lengths, args.batch_size, np.random.default_rng(1), pool=50)
    try:
        from transformers.trainer_pt_utils import LengthGroupedSampler

        order = list(LengthGroupedSampler(args.batch_size, lengths=lengths.tolist(),
                                          generator=torch.Generator().manual_seed(1)))
        grouped_src = "transformers LengthGroupedSampler"
    except ImportError:  # the same megabatch sort, as transformers' get_length_grouped_indices
        perm = torch.randperm(len(lengths), generator=torch.Generator().manual_seed(1)).tolist()
        mb = args.batch_size * max(min(len(lengths) // (args.batch_size * 4), 50), 1)
        order = [i for a in range(0, len(perm), mb) for i in sorted(perm[a:a + mb], key=lambda i: -lengths[i])]
        grouped_src = "megabatch sort (LengthGroupedSampler re-implemented)"
    order = np.asarray(order)
    grouped = [order[a:a + args.batch_size] for a in range(0, len(order), args.batch_size)]
    grouped = [grouped[i] for i in np.random.default_rng(2).permutation(len(grouped))]  # a fair sample of its epoch
    batches = {"ours": ours_b, "hf_grouped": grouped,
               "hf_random": bucket_batches(lengths, args.batch_size, np.random.default_rng(1), pool=1)}
    n = min(args.steps + 2, *(len(b) for b in batches.values()))

    def epoch_padding(bs):  # padding fraction over the whole epoch of batches
        return 1 - sum(lengths[b].sum() for b in bs) / sum(len(b) * lengths[b].max() for b in bs)
    # each example is masked the same way on both sides: mask by example index
    def batch(idx):
        masked = [masker(ex[i].input_ids, ex[i].kind, ex[i].view, np.random.default_rng(int(i))) for i in idx]
        b = collate([ex[i] for i in idx], masker, np.random.default_rng(0))
        for row, (ids, lab) in enumerate(masked):
            b["input_ids"][row, : len(ids)] = torch.from_numpy(ids)
            b["mlm_labels"][row, : len(lab)] = torch.from_numpy(lab)
        return {k: v.to(device) if torch.is_tensor(v) else v for k, v in b.items()}

    # The joint softmax: the same head work as the baselines', so the MFU formula above holds;
    # the fourth side is pretraining's default (mlm_softmax="modality"), counted by its own work.
    objective = PretrainingObjective(model, softmax="joint").train()
    model_mod = copy.deepcopy(model)
    objective_mod = PretrainingObjective(model_mod, softmax="modality").train()
    model_corpus = copy.deepcopy(model)
    model_corpus.info["text_pieces"] = pieces
    objective_corpus = PretrainingObjective(model_corpus, softmax="corpus").train()
    for m in hf.values():
        m.train()
    models = {"ours": model, "ours_modality": model_mod, "ours_corpus": model_corpus, **hf}
    # the fused AdamW kernel for every side (pretraining's; Hugging Face's Trainer defaults to it too)
    opts = {k: adamw(m.parameters(), lr=1e-4) for k, m in models.items()}

    def step_ours(b, objective=objective):
        with autocast():
            loss, _ = objective(b)
        loss.backward()

    def step_hf(key):
        def step(b):
            with autocast():
                out = hf[key](input_ids=b["input_ids"], token_type_ids=b["token_type_ids"],
                              attention_mask=b["attention_mask"], labels=b["mlm_labels"],
                              next_sentence_label=b["align_labels"])
            out.loss.backward()
        return step

    steps = {"ours": step_ours, "ours_modality": lambda b: step_ours(b, objective_mod),
             "ours_corpus": lambda b: step_ours(b, objective_corpus),
             "hf_grouped": step_hf("hf_grouped"), "hf_random": step_hf("hf_random")}
    batches["ours_modality"] = batches["ours_corpus"] = batches["ours"]

    peak = matmul_peak(device=device)
    stats = {k: {"time": 0.0, "tokens": 0, "padded": 0, "flops": 0.0} for k in opts}
    for i in range(n):
        for key, fn in steps.items():
            b = batch(batches[key][i])
            _sync(device)
            t = time.perf_counter()
            fn(b)
            opts[key].step()
            opts[key].zero_grad(set_to_none=True)
            _sync(device)
            dt = time.perf_counter() - t
            if i >= 2:  # warm-up steps excluded
                s = stats[key]
                s["time"] += dt
                s["tokens"] += int(b["attention_mask"].sum())
                s["padded"] += b["attention_mask"].numel()
                s["flops"] += useful_flops(b, cfg, model.tokenizer if key in ("ours_modality", "ours_corpus") else None,
                                           len(pieces) if key == "ours_corpus" else None)
    peak = max(peak, matmul_peak(device=device))
    load1 = os.getloadavg()
    say(f"model: {args.size} ({cfg.num_hidden_layers}L {cfg.hidden_size}H), joint vocab {cfg.vocab_size}, "
          f"batch {args.batch_size}, max_len {args.max_len}, {len(ex)} examples, {n - 2} timed steps each, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}, device {device}"
          f"{' (bf16 autocast)' if device.type == 'cuda' else ''}")
    say(f"attention: ours {model.bert.config._attn_implementation}, "
          f"HF {hf['hf_grouped'].config._attn_implementation}; HF grouped batches: {grouped_src}")
    say(f"load average (1/5/15 min): start {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f}, "
          f"end {load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f} on {os.cpu_count()} cores")
    say(f"matmul peak ({'bf16' if device.type == 'cuda' else 'fp32'}, best of runs): {peak / 1e9:.1f} GFLOP/s")
    names = {"ours": "ours (joint softmax)", "ours_modality": "ours, softmax per modality",
             "ours_corpus": f"ours, corpus softmax ({len(pieces)})",
             "hf_grouped": "HF length-grouped", "hf_random": "HF padded-to-longest (random)"}
    tps = {k: s["tokens"] / s["time"] for k, s in stats.items()}
    say(f"{'':<30} {'useful tok/s':>12} {'padding':>8} {'pad/epoch':>9} {'vs HF grouped':>13} {'MFU':>6} {'time':>7}"
          f"  (load average {load1[0]:.1f})")
    for key, s in stats.items():
        say(f"{names[key]:<30} {tps[key]:12.1f} {1 - s['tokens'] / s['padded']:8.1%} "
              f"{epoch_padding(batches[key]):9.1%} {tps[key] / tps['hf_grouped']:12.2f}x "
              f"{s['flops'] / s['time'] / peak:6.1%} {s['time']:6.1f}s")
    say("padding: over the timed batches; pad/epoch: over all batches of the epoch; "
          "MFU: useful model FLOPs/s over the matmul peak")
    res = {"size": args.size, "device": str(device), "peak_flops": peak, "load": load1[0],
           "tokens_per_s": tps, "mfu": {k: s["flops"] / s["time"] / peak for k, s in stats.items()},
           "vs_hf_grouped": tps["ours"] / tps["hf_grouped"],
           "modality_vs_joint": tps["ours_modality"] / tps["ours"],
           "corpus_vs_modality": tps["ours_corpus"] / tps["ours_modality"]}
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for i in range(2, min(4, n)):
                step_ours(batch(ours_b[i]))
                opts["ours"].step()
                opts["ours"].zero_grad(set_to_none=True)
        res["profile"] = (f"\nprofile of our step ({min(4, n) - 2} steps, forward + backward + AdamW), top 10 by "
                          f"self CPU time:\n" + prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    return res


if __name__ == "__main__":
    main()
