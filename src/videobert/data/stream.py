"""Streaming pretraining batches: examples built chunk by chunk, so memory is bounded by a
chunk, not by the corpus.

Each epoch, the training videos are permuted (a generator seeded by (seed, epoch)) and cut
into chunks of `chunk_videos` videos. A chunk's batches are made exactly as the in-memory
builder makes an epoch's (`epoch_batches`: examples, length-bucketed batches, shuffled order)
from the chunk's videos alone, with a generator seeded by (seed, epoch, chunk); alignment
negatives therefore come from the same chunk. With one chunk (``chunk_videos`` >= the number
of videos) the batches are the in-memory builder's, in the same order.

Sharding: chunk c of an epoch belongs to *virtual stream* ``c % V``, where V is the number of
batches an optimizer step takes (world size x gradient accumulation). Stream v is its chunks'
batches laid end to end, epoch after epoch, and global stream position p is batch ``p // V``
of stream ``p % V``; with the loop's position rule (rank r, micro-batch j of step s reads
``s*W*A + j*W + r``) every step reads batch s of each of the V streams, however V splits into
W processes x A micro-batches. Each process builds only the chunks of its own streams. The
streams are disjoint and, over an epoch, complete: every video of the epoch is in exactly one
chunk.

Random access: the batch at a position is found by counting the batches of the chunks before
it; counts are remembered, so the normal sequential walk builds each chunk once. After a
resume the earlier chunks are built again to be counted (the example building, without
collation or the model: `bench/scale.py` measures its rate). Masks are drawn per batch from a
generator seeded by (seed, epoch, chunk, batch), so a batch is the same whoever builds it.
A background thread builds each stream's next chunk while the model trains on the current one.
"""
from __future__ import annotations

import bisect
import concurrent.futures
import logging
import threading
from typing import Any, Sequence

import numpy as np
import torch

from .batching import collate, epoch_batches
from .examples import Example, ExampleSpec, load_videos
from .masking import Masker, MaskRates

log = logging.getLogger(__name__)


class StreamingBatches:
    """The batch stream of one process, built from `corpus` chunk by chunk (module docstring).

    Same contract as the in-memory stream: ``get(pos)`` -> the collated batch at global stream
    position `pos`; `epoch_length(e)` -> batches in epoch e over all streams (counts every chunk
    of that epoch: one pass of example building); ``available(n)``: how many of the first `n`
    positions exist (for held-out evaluation, without counting the whole epoch)."""

    def __init__(self, corpus: Any, vocab_dir: Any, tokenizer: Any, video_ids: Sequence[str], spec: ExampleSpec,
                 batch_size: int, seed: int, chunk_videos: int, streams: int = 1, pool: int = 50,
                 mask_rates: MaskRates = MaskRates(), silent_len: int = 16, prefetch: bool = True):
        if not video_ids:
            raise ValueError("no videos to stream")
        if chunk_videos < 1 or streams < 1:
            raise ValueError(f"chunk_videos ({chunk_videos}) and streams ({streams}) must be >= 1")
        self.corpus, self.vocab_dir, self.tok = corpus, vocab_dir, tokenizer
        self.ids = list(video_ids)
        self.spec, self.batch_size, self.seed, self.pool = spec, batch_size, seed, pool
        self.chunk_videos, self.streams, self.silent_len = chunk_videos, streams, silent_len
        self.masker = Masker(tokenizer, mask_rates)
        self.num_chunks = -(-len(self.ids) // chunk_videos)
        if self.num_chunks < streams:
            raise ValueError(f"{len(self.ids)} videos make {self.num_chunks} chunks of {chunk_videos}, fewer than the "
                             f"{streams} streams a step reads (processes x gradient accumulation); lower chunk_videos")
        self._counts: dict[tuple[int, int], int] = {}  # (epoch, chunk) -> batches
        self._starts: dict[int, list[int]] = {}
        self._index: dict[int, list[tuple[int, int, int]]] = {}
        self._walks: dict[int, Any] = {}
        self._current: dict[int, tuple[tuple[int, int], list[list[Example]]]] = {}  # stream -> last chunk built
        self._lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1) if prefetch else None
        self._ahead: dict[tuple[int, int], concurrent.futures.Future] = {}

    # ---- chunks ---------------------------------------------------------------------------
    def chunk_ids(self, epoch: int, chunk: int) -> list[str]:
        """The video ids of `chunk` in `epoch`."""
        if self.num_chunks == 1:  # one chunk: the in-memory builder's order
            return list(self.ids)
        order = np.random.default_rng([self.seed, 3, epoch]).permutation(len(self.ids))
        return [self.ids[i] for i in order[chunk * self.chunk_videos : (chunk + 1) * self.chunk_videos]]

    def build(self, epoch: int, chunk: int) -> list[list[Example]]:
        """The batches (lists of unmasked examples) of one chunk."""
        videos = load_videos(self.corpus, self.vocab_dir, self.tok, self.chunk_ids(epoch, chunk), self.silent_len)
        key = () if self.num_chunks == 1 else (chunk,)
        batches = epoch_batches(videos, self.tok, self.spec, self.batch_size, self.seed, epoch, self.pool, key)
        with self._lock:
            self._counts[(epoch, chunk)] = len(batches)
        return batches

    def _count(self, epoch: int, chunk: int) -> int:
        if (epoch, chunk) not in self._counts:
            self._take(epoch, chunk)  # builds it (or waits for the prefetch)
        return self._counts[(epoch, chunk)]

    def _take(self, epoch: int, chunk: int) -> list[list[Example]]:
        fut = self._ahead.pop((epoch, chunk), None)
        return fut.result() if fut is not None else self.build(epoch, chunk)

    def _prefetch(self, epoch: int, chunk: int) -> None:
        if self._pool is not None and (epoch, chunk) not in self._counts and (epoch, chunk) not in self._ahead:
            self._ahead[(epoch, chunk)] = self._pool.submit(self.build, epoch, chunk)

    def _stream_chunks(self, stream: int):
        """(epoch, chunk) of `stream`, in order, endlessly."""
        epoch = 0
        while True:
            for chunk in range(stream, self.num_chunks, self.streams):
                yield epoch, chunk
            epoch += 1

    def _locate(self, stream: int, k: int) -> tuple[int, int, int]:
        """(epoch, chunk, batch within the chunk) of batch `k` of `stream`."""
        starts = self._starts.setdefault(stream, [])  # first batch of each chunk walked so far
        index = self._index.setdefault(stream, [])  # (epoch, chunk, batches) of those chunks
        walk = self._walks.setdefault(stream, self._stream_chunks(stream))
        empty = 0
        while not index or starts[-1] + index[-1][2] <= k:
            epoch, chunk = next(walk)
            n = self._count(epoch, chunk)
            starts.append(starts[-1] + index[-1][2] if index else 0)
            index.append((epoch, chunk, n))
            empty = empty + 1 if n == 0 else 0
            if empty > self.num_chunks:  # a whole epoch of this stream without one batch
                raise ValueError("no training examples: the corpus has no usable sentences or clips")
        i = bisect.bisect_right(starts, k) - 1  # the last chunk starting at or before k (never an empty one)
        epoch, chunk, _ = index[i]
        return epoch, chunk, k - starts[i]

    def _batches_of(self, stream: int, epoch: int, chunk: int) -> list[list[Example]]:
        cur = self._current.get(stream)
        if cur is None or cur[0] != (epoch, chunk):
            cur = ((epoch, chunk), self._take(epoch, chunk))
            self._current[stream] = cur
            nxt = chunk + self.streams
            self._prefetch(*((epoch, nxt) if nxt < self.num_chunks else (epoch + 1, stream)))
        return cur[1]

    # ---- the stream contract ----------------------------------------------------------------
    def _at(self, pos: int) -> tuple[list[Example], list[int]]:
        """The unmasked examples at global position `pos` and their mask seed (epoch, chunk, batch)."""
        stream, k = pos % self.streams, pos // self.streams
        epoch, chunk, b = self._locate(stream, k)
        return self._batches_of(stream, epoch, chunk)[b], [epoch, chunk, b]

    def examples(self, pos: int) -> list[Example]:
        """The unmasked examples of the batch at global position `pos`."""
        return self._at(pos)[0]

    def get(self, pos: int) -> dict[str, torch.Tensor]:
        batch, key = self._at(pos)
        return collate(batch, self.masker, np.random.default_rng([self.seed, 1, *key]))

    def epoch_length(self, epoch: int = 0) -> int:
        total = sum(self._count(epoch, c) for c in range(self.num_chunks))
        if epoch == 0 and total == 0:
            raise ValueError("no training examples: the corpus has no usable sentences or clips")
        return total

    def available(self, n: int) -> int:
        """How many of positions ``0 .. n-1`` lie in epoch 0 (held-out evaluation reads those)."""
        have = 0
        for chunk in range(self.num_chunks):
            have += self._count(0, chunk)
            if have >= n:
                break
        return min(n, have)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
