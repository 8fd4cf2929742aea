"""`VisualTokenizer`: an ingested video record -> its visual tokens (one leaf id per clip).

Two kinds of tokenizer make a corpus' visual tokens:

- the k-means vocabulary, `VisualVocab`: ``tokens(record)`` assigns the record's clip features;
- a distilled student (`videobert.vision.tokenizer.StudentTokenizer`, ``ingest --tokenizer``):
  it tokenizes the clips itself at ingest time, so a record fresh from ``ingest_video`` carries
  its tokens in ``meta["student_tokens"]``, and so do the records of a stored corpus (its
  features are student embeddings, not backbone features); `videobert vocab` copies them to
  ``CORPUS/vocab/tokens``. `StudentTokens` reads those; ``StudentTokenizer.tokens(record)``
  computes them again from the video file.

`visual_tokenizer` is the one way to get the tokenizer for the videos of a corpus (or of
freshly ingested records) under a model's vocabulary.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Protocol, runtime_checkable

import numpy as np

from .vocabulary import read_tokens


@runtime_checkable
class VisualTokenizer(Protocol):
    num_tokens: int  # leaf ids are 0 .. num_tokens - 1

    def tokens(self, record: Any) -> np.ndarray:
        """(num_clips,) int64 leaf ids of a `videobert.corpus.VideoRecord`."""
        ...


class StudentTokens:
    """The tokens a distilled student stored at ingest time: in the record's meta (a record fresh
    from ``ingest_video``) or, for a stored corpus, in the token files of `vocab_dir`."""

    def __init__(self, num_tokens: int, vocab_dir: str | os.PathLike | None = None):
        self.num_tokens = int(num_tokens)
        self.vocab_dir = Path(vocab_dir) if vocab_dir is not None else None

    def tokens(self, record: Any) -> np.ndarray:
        if "student_tokens" in record.meta:
            return np.asarray(record.meta["student_tokens"], dtype=np.int64)
        if self.vocab_dir is None:
            raise ValueError(f"video {record.video_id!r} ({record.source}): no student tokens in the record "
                             "(it was not ingested with --tokenizer)")
        return read_tokens(self.vocab_dir, record.video_id)


def visual_tokenizer(vocab: Any, ingest_config: Mapping[str, Any],
                     vocab_dir: str | os.PathLike | None = None) -> VisualTokenizer:
    """The tokenizer of videos ingested with `ingest_config` (a corpus' config, or a model's
    ``ingest_config``) under `vocab` (a `VisualVocab`, e.g. a model's): the student's stored
    tokens when a distilled student tokenized them (``ingest --tokenizer``; `vocab_dir` is where a
    stored corpus keeps them, ``CORPUS/vocab``), else `vocab` itself, assigning the features."""
    if ingest_config.get("tokenizer"):
        return StudentTokens(vocab.num_tokens, vocab_dir)
    return vocab
