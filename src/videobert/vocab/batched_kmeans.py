"""Level-synchronous hierarchical k-means in torch: every node of a level fitted at once.

The same tree as `hkmeans.fit_tree` (same storage, the same small-node rule: a node with
n <= k points gets its distinct points as children, empty children are dropped), fitted
differently. `hkmeans.fit_tree` runs one faiss k-means per node; at the deep levels that is
thousands of small calls (1,728 nodes at the 4th level of 4 x 12) whose fixed costs dominate.
Here all nodes of a level share each step:

- points are kept sorted by node, so each node's points are one contiguous block, cut into
  tiles of at most `tile` rows that never straddle two nodes;
- greedy k-means++ seeding draws the j-th centroid of every node in one pass (per-node
  inverse-CDF draws on the running minimum distances);
- a Lloyd iteration is one batched matmul, (tiles, tile, D) x (tiles, D, k), then one
  scatter-add of the points into their (node, child) sums.

Each iteration reads the points once, like the per-node path; the aim was to drop the fixed
cost per node and to run on a GPU (the same code with `device="cuda"`). On CPU it is slower
than the faiss path (7.7x at 200K x 1024, docs/benchmarks.md: the per-tile centroid gathers
and per-level buffers cost more than the per-node calls saved), which therefore stays the
default; CUDA is not measured yet. Deterministic for a seed on one device and thread count
(the scatter-add runs in a fixed order on CPU).
"""
from __future__ import annotations

import logging

import numpy as np
import torch

log = logging.getLogger(__name__)


def fit_tree_batched(x: np.ndarray, levels: int, k: int, seed: int = 0, iters: int = 20,
                     device: str | torch.device = "cpu", max_points_per_centroid: int = 256,
                     ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Fit the tree on x (N, D) float32, level by level. Returns (centroids, parents) as
    `hkmeans.fit_tree` does (numpy, float32 / int64, nodes ordered by parent).

    Like faiss (whose default this is), a node's centroids are fitted on at most
    `max_points_per_centroid * k` of its points, drawn at random; every point is then assigned."""
    if len(x) == 0:
        raise ValueError("cannot fit a vocabulary on zero points")
    dev = torch.device(device)
    gen = torch.Generator(device=dev)
    xt = torch.as_tensor(np.ascontiguousarray(x, dtype=np.float32), device=dev)  # (N, D)
    node = torch.zeros(len(xt), dtype=torch.long, device=dev)  # each point's node at this level
    num_nodes = 1
    centroids: list[np.ndarray] = []
    parents: list[np.ndarray] = []
    for lvl in range(levels):
        gen.manual_seed(int(np.random.SeedSequence([seed, lvl]).generate_state(1)[0]))
        sub = _subsample(node, num_nodes, max_points_per_centroid * k, gen)  # None: every point
        level = _Level(xt, node, num_nodes)
        if sub is None:
            cent, valid = level.fit(k, iters, gen)  # (M, k, D), (M, k)
        else:
            cent, valid = _Level(xt[sub], node[sub], num_nodes).fit(k, iters, gen)
        counts, label = level.labels(cent, valid)  # (M, k), (N,)
        keep = counts > 0  # drop empty children; the kept ones numbered in (node, child) order
        new_id = torch.cumsum(keep.reshape(-1), 0) - 1  # (M * k,)
        node = new_id[node * k + label]  # (N,) each point's child, numbered over the level
        centroids.append(cent[keep].cpu().numpy().astype(np.float32))
        par = torch.arange(num_nodes, device=dev).repeat_interleave(keep.sum(1))
        parents.append((par if lvl else torch.full_like(par, -1)).cpu().numpy().astype(np.int64))
        num_nodes = int(keep.sum())
        log.debug("level %d: %d nodes", lvl + 1, num_nodes)
        del level
    return centroids, parents


def _subsample(node: torch.Tensor, num_nodes: int, cap: int, gen: torch.Generator) -> torch.Tensor | None:
    """Rows of at most `cap` random points of each node (sorted), or None if no node has more."""
    n = torch.bincount(node, minlength=num_nodes)
    if int(n.max()) <= cap:
        return None
    r = torch.rand(len(node), generator=gen, device=node.device)
    order = torch.argsort(r)
    order = order[torch.sort(node[order], stable=True).indices]  # by node, random within a node
    rank = torch.arange(len(node), device=node.device) - (torch.cumsum(n, 0) - n)[node[order]]
    return torch.sort(order[rank < cap]).values


class _Level:
    """The points of one level laid out node by node, each node's block padded to whole tiles:
    rows [pstart[m], pstart[m] + n[m]) of `xp` are node m's points, zeros after them up to the
    next tile boundary, so `xp.view(T, tile, D)` is a batch of tiles that each belong to one node."""

    def __init__(self, xt: torch.Tensor, node: torch.Tensor, num_nodes: int):
        dev = xt.device
        self.M = num_nodes
        self.n = torch.bincount(node, minlength=num_nodes)  # (M,)
        # tiles: about half the mean node size, a power of two in [16, 256] (less padding deep down)
        mean = max(1.0, len(xt) / num_nodes)
        self.tile = int(min(256, max(16, 2 ** int(np.ceil(np.log2(max(mean / 2, 1)))))))
        per = (self.n + self.tile - 1) // self.tile  # (M,) tiles per node
        self.tile_node = torch.arange(num_nodes, device=dev).repeat_interleave(per)  # (T,)
        self.pstart = (torch.cumsum(per, 0) - per) * self.tile  # (M,) first padded row of each node
        order = torch.sort(node, stable=True).indices  # original rows, grouped by node
        sorted_node = node[order]
        first = torch.cumsum(self.n, 0) - self.n
        dest = self.pstart[sorted_node] + (torch.arange(len(xt), device=dev) - first[sorted_node])  # (N,) padded row
        rows = int(per.sum()) * self.tile
        self.xp = torch.zeros(rows, xt.shape[1], device=dev)  # (Np, D)
        for i in range(0, len(xt), 65536):  # in chunks: xt[order] whole would be another copy of the points
            self.xp[dest[i:i + 65536]] = xt[order[i:i + 65536]]
        self.valid = torch.zeros(rows, dtype=torch.bool, device=dev)
        self.valid[dest] = True
        self.pnode = self.tile_node.repeat_interleave(self.tile)  # (Np,) node of each padded row
        self.dest = torch.empty_like(dest)
        self.dest[order] = dest  # original row -> its padded row

    def fit(self, k: int, iters: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """k-means in every node at once. Returns centroids (M, k, D) and which are in use (M, k)."""
        dev, M = self.xp.device, self.M
        small = self.n <= k
        cent = self._seed(k, gen)  # (M, k, D)
        valid = torch.arange(k, device=dev)[None, :] < torch.clamp(self.n, max=k)[:, None]  # (M, k) children in use
        if bool(small.any()):  # n <= k: the node's distinct points are its children (see hkmeans)
            cent, valid = self._small_nodes(small, cent, valid)
        big = ~small
        for _ in range(iters if bool(big.any()) else 0):
            lab = self._assign(cent, valid)  # (Np,)
            idx = torch.where(self.valid, self.pnode * k + lab, M * k)  # padding goes to a spare row
            sums = torch.zeros(M * k + 1, self.xp.shape[1], device=dev).index_add_(0, idx, self.xp)[:-1]
            cnt = torch.bincount(idx, minlength=M * k + 1)[:-1].reshape(M, k)
            means = sums.reshape(M, k, -1) / cnt.clamp_min(1)[..., None]
            # an empty child keeps its centroid (dropped at the end if it is still empty)
            cent = torch.where(((cnt > 0) & big[:, None])[..., None], means, cent)
        return cent, valid

    def labels(self, cent: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each point's nearest valid child: points per child (M, k) and each original row's child (N,)."""
        M, k = cent.shape[:2]
        lab = self._assign(cent, valid)
        idx = torch.where(self.valid, self.pnode * k + lab, M * k)
        counts = torch.bincount(idx, minlength=M * k + 1)[:-1].reshape(M, k)
        return counts * valid, lab[self.dest]

    def _seed(self, k: int, gen: torch.Generator) -> torch.Tensor:
        """Greedy k-means++ seeding of every node at once: the first centroid uniform within the
        node; for each next one, 2 + ln(k) candidates drawn with probability proportional to the
        squared distance to the nearest centroid so far, keeping the one that lowers the node's
        total distance most (scikit-learn's choice; plain k-means++ left 14% more distortion on
        clustered data than the faiss path). Distances come from the same tiled matmuls as the
        Lloyd steps, all candidates of a step in one."""
        xp, M, dev = self.xp, self.M, self.xp.device
        trials = 2 + int(np.log(k))
        last = self.pstart + self.n - 1
        pick = self.pstart + (torch.rand(M, generator=gen, device=dev) * self.n).long().clamp_max(self.n - 1)
        cent = [xp[pick]]  # k tensors (M, D)
        best = self._sq_dist(cent[0][:, None, :])[:, 0] * self.valid  # (Np,) padding is never drawn
        rows = torch.arange(len(best), device=dev)
        for _ in range(1, k):
            cum = torch.cumsum(best.double(), 0)  # within a node's block: its own cumulative sum
            before = torch.where(self.pstart > 0, cum[(self.pstart - 1).clamp_min(0)], torch.zeros(M, device=dev, dtype=cum.dtype))
            total = cum[last] - before  # (M,)
            u = before[:, None] + torch.rand(M, trials, generator=gen, device=dev, dtype=torch.float64) * total[:, None]
            cand = torch.searchsorted(cum, u.reshape(-1)).reshape(M, trials)  # inverse CDF within the node
            cand = torch.minimum(torch.maximum(cand, self.pstart[:, None]), last[:, None])  # (M, trials)
            new_best = torch.minimum(best[:, None], self._sq_dist(xp[cand])) * self.valid[:, None]  # (Np, trials)
            pot = torch.zeros(M, trials, device=dev).index_add_(0, self.pnode, new_best)  # each node's total
            t_best = pot.argmin(1)  # (M,)
            cent.append(xp[cand[torch.arange(M, device=dev), t_best]])
            best = new_best[rows, t_best[self.pnode]]
        return torch.stack(cent, 1)  # (M, k, D)

    def _sq_dist(self, c: torch.Tensor) -> torch.Tensor:
        """Squared distance of every padded row to each of its node's `c` points: c (M, j, D) -> (Np, j)."""
        if not hasattr(self, "_xsq"):
            self._xsq = (self.xp * self.xp).sum(1)  # (Np,)
        cn = c[self.tile_node]  # (T, j, D)
        x = self.xp.view(len(self.tile_node), self.tile, -1)  # (T, tile, D)
        dots = torch.bmm(x, cn.transpose(1, 2)).reshape(len(self.xp), -1)  # (Np, j)
        csq = (c * c).sum(-1)[self.pnode]  # (Np, j)
        return (self._xsq[:, None] - 2 * dots + csq).clamp_min(0)

    def _small_nodes(self, small, cent, valid):
        """Nodes with n <= k points: their distinct points, sorted (as `np.unique` in hkmeans)."""
        cent, valid = cent.clone(), valid.clone()
        for m in torch.nonzero(small).flatten().tolist():
            a = int(self.pstart[m])
            pts = np.unique(self.xp[a:a + int(self.n[m])].cpu().numpy(), axis=0)
            cent[m, : len(pts)] = torch.as_tensor(pts, device=cent.device)
            valid[m] = torch.arange(cent.shape[1], device=cent.device) < len(pts)
        return cent, valid

    def _assign(self, cent: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Nearest valid child of each padded row's node: (Np,) in [0, k)."""
        # ||c||^2 per node, +inf for children not in use; ||x||^2 does not change the argmin
        csq = torch.where(valid, (cent * cent).sum(-1), torch.full_like(valid, float("inf"), dtype=cent.dtype))  # (M, k)
        x = self.xp.view(len(self.tile_node), self.tile, -1)  # (T, tile, D), no copy
        d = torch.baddbmm(csq[self.tile_node][:, None, :], x, cent[self.tile_node].transpose(1, 2), alpha=-2)
        return d.argmin(-1).reshape(-1)  # (T, tile, k) -> (Np,)
