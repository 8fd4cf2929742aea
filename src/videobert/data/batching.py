"""Batches with little padding: length bucketing, then collation to tensors.

`bucket_batches` shuffles the examples, cuts them into pools of `pool` batches, sorts each
pool by length and cuts it into batches, then shuffles the batch order. Batches are thus
made of similar lengths (padding only to the longest of near-equal lengths) while their
order and composition stay random from epoch to epoch.
"""
from __future__ import annotations

import numpy as np
import torch

from .examples import Example, ExampleSpec, make_examples
from .masking import Masker


def bucket_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator, pool: int = 50) -> list[np.ndarray]:
    lengths = np.asarray(lengths)
    order = rng.permutation(len(lengths))
    batches = []
    span = batch_size * max(pool, 1)
    for a in range(0, len(order), span):
        chunk = order[a : a + span]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def epoch_batches(videos, tokenizer, spec: ExampleSpec, batch_size: int, seed: int, epoch: int,
                  pool: int = 50, key: tuple[int, ...] = ()) -> list[list[Example]]:
    """All batches of one epoch; a pure function of (videos, seed, epoch, key) so a resumed run
    sees the same ones. `key`: more numbers for the generator's seed (a streamed chunk's index)."""
    rng = np.random.default_rng([seed, epoch, *key])
    ex = make_examples(videos, tokenizer, spec, rng)
    idx = bucket_batches(np.array([len(e.input_ids) for e in ex]), batch_size, rng, pool)
    return [[ex[i] for i in b] for b in idx]


def collate(examples: list[Example], masker: Masker, rng: np.random.Generator) -> dict[str, torch.Tensor]:
    """Mask and pad to the longest example: input_ids/token_type_ids/attention_mask/mlm_labels (B, T), align_labels/kinds (B,)."""
    B, T = len(examples), max(len(e.input_ids) for e in examples)
    ids = np.full((B, T), masker.tok.pad_id, dtype=np.int64)
    types = np.zeros((B, T), dtype=np.int64)
    att = np.zeros((B, T), dtype=np.int64)
    labels = np.full((B, T), -100, dtype=np.int64)
    for i, e in enumerate(examples):
        n = len(e.input_ids)
        ids[i, :n], labels[i, :n] = masker(e.input_ids, e.kind, e.view, rng)
        types[i, :n] = e.token_type_ids
        att[i, :n] = 1
    return {
        "input_ids": torch.from_numpy(ids), "token_type_ids": torch.from_numpy(types),
        "attention_mask": torch.from_numpy(att), "mlm_labels": torch.from_numpy(labels),
        "align_labels": torch.tensor([e.align_label for e in examples]),
        "kinds": torch.tensor([e.kind for e in examples]),
        "views": torch.tensor([e.view for e in examples]),
    }
