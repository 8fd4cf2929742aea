"""Benchmark: our two hierarchical k-means fits (faiss per node; level-synchronous in torch,
on CPU and, where there is one, CUDA) vs. the public re-implementation's approach
(scikit-learn MiniBatchKMeans at every node, recursively), same data, one process, and the
FLOP floor: the assignment matmuls' arithmetic at a matmul peak measured in the same run.

    python bench/kmeans.py [--n 200000] [--dim 1024] [--levels 4] [--k 12] [--seed 0] [--threads 2] [--no-sklearn]

Data: a seeded 4-level Gaussian mixture (12 -> 144 -> 1728 components with shrinking
offsets, log-normal component weights, isotropic noise), float32. Prints the fit time of
each, their ratio, and the mean squared distance (MSD) of each point to its assigned leaf
centroid under each tree (and the ratio). Targets (2-core CPU): ours <= 10 s, >= 3x faster,
MSD <= 1.02x scikit-learn's. The baseline uses the public code's batch_size=20000 and
scikit-learn's defaults otherwise; a node with <= k points gets its points as centroids in
both (scikit-learn cannot fit fewer points than clusters).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from videobert.vocab.batched_kmeans import fit_tree_batched
from videobert.vocab.hkmeans import fit_tree, walk


def mixture(n: int, dim: int, seed: int, chunk: int = 100_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((12, dim), dtype=np.float32)
    for scale in (0.6, 0.35):  # each component splits into 12 sub-components
        centers = np.repeat(centers, 12, axis=0) + scale * rng.standard_normal((len(centers) * 12, dim), dtype=np.float32)
    weights = rng.lognormal(0.0, 1.0, len(centers))
    comp = rng.choice(len(centers), size=n, p=weights / weights.sum())
    x = np.empty((n, dim), np.float32)
    for i in range(0, n, chunk):  # in place, a chunk at a time: 2M x 1024 is 8 GB on its own
        rng.standard_normal(out=x[i:i + chunk], dtype=np.float32)
        x[i:i + chunk] *= 0.25
        x[i:i + chunk] += centers[comp[i:i + chunk]]
    return x


def sklearn_tree(x: np.ndarray, levels: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Recursive MiniBatchKMeans. Returns (leaf centroids (L, D), leaf index of each point (N,))."""
    from sklearn.cluster import MiniBatchKMeans

    leaves: list[np.ndarray] = []
    assigned = np.empty(len(x), np.int64)

    def split(rows: np.ndarray, level: int) -> None:
        xs = x[rows]
        if len(rows) <= k:
            centers, labels = xs, np.arange(len(rows))
        else:
            km = MiniBatchKMeans(n_clusters=k, batch_size=20000, random_state=seed).fit(xs)
            centers, labels = km.cluster_centers_, km.labels_
        for c in range(len(centers)):
            sub = rows[labels == c]
            if level + 1 == levels:
                assigned[sub] = len(leaves)
                leaves.append(centers[c])
            elif len(sub):
                split(sub, level + 1)

    split(np.arange(len(x)), 0)
    return np.stack(leaves).astype(np.float32), assigned


def msd(x: np.ndarray, centroids: np.ndarray, leaf: np.ndarray, chunk: int = 20000) -> float:
    total = 0.0
    for i in range(0, len(x), chunk):
        d = x[i:i + chunk] - centroids[leaf[i:i + chunk]]
        total += float(np.einsum("nd,nd->", d, d, dtype=np.float64))
    return total / len(x)


def matmul_peak(threads: int, n: int = 2048, reps: int = 5) -> float:
    """fp32 GFLOP/s of an n^3 torch matmul on this CPU (best of `reps`)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def floor_seconds(n: int, dim: int, levels: int, k: int, iters: int, peak_gflops: float) -> float:
    """The assignment matmuls alone: every level, every iteration, each point against its node's k children."""
    return levels * iters * 2.0 * n * k * dim / (peak_gflops * 1e9)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--dim", type=int, default=1024)
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--k", type=int, default=12)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="torch threads and faiss workers")
    p.add_argument("--no-sklearn", action="store_true", help="skip the scikit-learn baseline (slow at 2M points)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    t = time.perf_counter()
    x = mixture(args.n, args.dim, args.seed)
    peak = matmul_peak(args.threads)
    floor = floor_seconds(args.n, args.dim, args.levels, args.k, args.iters, peak)
    print(f"data: {args.n} x {args.dim} float32 mixture in {time.perf_counter() - t:.1f} s; {args.threads} threads; "
          f"matmul peak {peak:.0f} GFLOP/s, FLOP floor {floor:.2f} s; load average {os.getloadavg()[0]:.1f}")

    rows = []  # (name, seconds, leaves, MSD, load average when it finished)
    t = time.perf_counter()
    c, par = fit_tree(x, args.levels, args.k, args.seed, args.iters, workers=args.threads)
    rows.append(("faiss per node", time.perf_counter() - t, len(c[-1]), msd(x, c[-1], walk(x, c, par)), os.getloadavg()[0]))
    print("done:", rows[-1], flush=True)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for dev in devices:
        t = time.perf_counter()
        c, par = fit_tree_batched(x, args.levels, args.k, args.seed, args.iters, device=dev)
        if dev == "cuda":
            torch.cuda.synchronize()
        rows.append((f"level-synchronous ({dev})", time.perf_counter() - t, len(c[-1]), msd(x, c[-1], walk(x, c, par)),
                     os.getloadavg()[0]))
        print("done:", rows[-1], flush=True)
    if not args.no_sklearn:
        t = time.perf_counter()
        sk_leaves, sk_assigned = sklearn_tree(x, args.levels, args.k, args.seed)
        rows.append(("scikit-learn MiniBatchKMeans recursion", time.perf_counter() - t, len(sk_leaves),
                     msd(x, sk_leaves, sk_assigned), os.getloadavg()[0]))
    # assignment (what `videobert vocab` does to every clip of the corpus after the fit): the tree walk
    t = time.perf_counter()
    walk(x, c, par)
    walk_s = time.perf_counter() - t
    ref_s, ref_msd = rows[0][1], rows[0][3]
    print(f"\n| {args.levels}x{args.k} on {args.n} x {args.dim} | seconds | x FLOP floor | speed vs faiss per node "
          f"| leaves | MSD | MSD / faiss per node | load avg |\n|---|---|---|---|---|---|---|---|")
    for name, sec, leaves, m, la in rows:
        print(f"| {name} | {sec:.2f} | {sec / floor:.1f} | {ref_s / sec:.2f}x | {leaves} | {m:.3f} | {m / ref_msd:.4f} "
              f"| {la:.1f} |")
    print(f"\nassignment (tree walk, numpy): {args.n / walk_s:,.0f} clips/s ({walk_s:.2f} s for {args.n} clips; "
          f"= {args.n * 1.5 / walk_s / 3600:,.0f} hours of 1.5 s clips per second of CPU)")
    print(f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
