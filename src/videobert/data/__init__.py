"""Pretraining data: segments and examples from a corpus, masking, length-bucketed batches."""
from .batching import bucket_batches, collate, epoch_batches
from .examples import (
    ALIGN,
    IGNORE,
    KIND_NAMES,
    MLM,
    NEG_OTHER,
    NEG_SAME,
    T2V,
    TEXT,
    VIDEO,
    VIDEO_TEXT,
    VIEW_NAMES,
    Example,
    ExampleSpec,
    Segment,
    VideoData,
    is_heldout,
    load_videos,
    make_examples,
    split_videos,
    text_pieces,
    video_data,
)
from .masking import Masker, MaskRates
from .stream import StreamingBatches

__all__ = [
    "TEXT", "VIDEO", "VIDEO_TEXT", "KIND_NAMES", "MLM", "ALIGN", "T2V", "VIEW_NAMES", "NEG_OTHER", "NEG_SAME", "IGNORE", "Example", "ExampleSpec", "Segment", "VideoData",
    "is_heldout", "load_videos", "make_examples", "split_videos", "text_pieces", "video_data", "Masker", "MaskRates",
    "bucket_batches", "collate", "epoch_batches", "StreamingBatches",
]
