"""The joint text + visual vocabulary of VideoBERT.

Ids ``[0, num_text)`` are the text WordPiece vocabulary of the initialization checkpoint
(its Hugging Face tokenizer), id ``num_text`` is ``[>]`` (joins text and video), and visual
word ``j`` of the `VisualVocab` is id ``visual_offset + j``. Sequences look like::

    [CLS] text [>] video [SEP]      video-text      token_type 0 ... 0 | 1 ... 1
    [CLS] text [SEP]                text-only       token_type 0 everywhere
    [CLS] [>] video [SEP]           video-only      token_type 0 | 1 ... 1
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ..utils.io import atomic_write_json, read_json

SEP_VIDEO = "[>]"


class JointTokenizer:
    def __init__(self, text_tokenizer, num_visual: int):
        if num_visual <= 0:
            raise ValueError(f"num_visual must be positive, got {num_visual}")
        self.text = text_tokenizer
        self.num_text = len(text_tokenizer)
        self.num_visual = int(num_visual)
        self.sep_video_id = self.num_text
        self.visual_offset = self.num_text + 1
        self.vocab_size = self.visual_offset + self.num_visual
        self.cls_id = text_tokenizer.cls_token_id
        self.sep_id = text_tokenizer.sep_token_id
        self.mask_id = text_tokenizer.mask_token_id
        self.pad_id = text_tokenizer.pad_token_id
        self.special_ids = frozenset(text_tokenizer.all_special_ids) | {self.sep_video_id}

    # ---- text ---------------------------------------------------------------------
    def encode_text(self, text: str) -> list[int]:
        return list(self.text.encode(text, add_special_tokens=False))

    # ---- video --------------------------------------------------------------------
    def visual_ids(self, leaf_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        leaf = np.asarray(leaf_ids, dtype=np.int64)
        if leaf.size and (leaf.min() < 0 or leaf.max() >= self.num_visual):
            raise ValueError(
                f"visual token ids must be in [0, {self.num_visual}) for this model's vocabulary; "
                f"got range [{leaf.min()}, {leaf.max()}] (was the vocabulary re-fitted with another k/levels?)"
            )
        return leaf + self.visual_offset

    def is_visual(self, ids: np.ndarray) -> np.ndarray:
        return np.asarray(ids) >= self.visual_offset

    def is_text(self, ids: np.ndarray) -> np.ndarray:
        """True for ordinary (non-special) text tokens."""
        ids = np.asarray(ids)
        return (ids < self.num_text) & ~np.isin(ids, list(self.special_ids))

    # ---- sequences ----------------------------------------------------------------
    def build(self, text_ids: Sequence[int] | None, leaf_ids: Sequence[int] | np.ndarray | None) -> dict[str, list[int]]:
        """`[CLS] text [>] video [SEP]`; `leaf_ids=None` gives text-only, empty `text_ids` video-only."""
        text = list(text_ids or [])
        ids = [self.cls_id, *text]
        types = [0] * len(ids)
        if leaf_ids is not None:
            video = self.visual_ids(leaf_ids).tolist()
            ids += [self.sep_video_id, *video, self.sep_id]
            types += [1] * (len(video) + 2)
        else:
            ids.append(self.sep_id)
            types.append(0)
        return {"input_ids": ids, "token_type_ids": types}

    def decode(self, ids: Sequence[int]) -> str:
        """Readable form: text decoded by WordPiece, `[>]`, visual words as `<v12>`."""
        out: list[str] = []
        run: list[int] = []
        for i in [int(x) for x in ids]:
            if i < self.num_text:
                run.append(i)
                continue
            if run:
                out.append(self.text.decode(run))
                run = []
            out.append(SEP_VIDEO if i == self.sep_video_id else f"<v{i - self.visual_offset}>")
        if run:
            out.append(self.text.decode(run))
        return " ".join(s for s in out if s)

    # ---- persistence --------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> None:
        d = Path(directory)
        self.text.save_pretrained(str(d / "text_tokenizer"))
        atomic_write_json(d / "joint_tokenizer.json", {"num_text": self.num_text, "num_visual": self.num_visual})

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "JointTokenizer":
        from transformers import BertTokenizerFast

        d = Path(directory)
        for name in ("joint_tokenizer.json", "text_tokenizer/tokenizer.json"):
            if not (d / name).is_file():
                raise FileNotFoundError(f"{d / name}: missing; the model directory {d} is incomplete "
                                        "(copy it again, or re-save the model with `save_pretrained`)")
        meta = read_json(d / "joint_tokenizer.json")
        if not isinstance(meta, dict) or not all(isinstance(meta.get(k), int) for k in ("num_text", "num_visual")):
            raise ValueError(f"{d / 'joint_tokenizer.json'}: expected integer 'num_text' and 'num_visual'; "
                             "the file is damaged (re-save the model)")
        tok = cls(BertTokenizerFast.from_pretrained(str(d / "text_tokenizer")), meta["num_visual"])
        if tok.num_text != meta["num_text"]:
            raise ValueError(f"{d}: text tokenizer has {tok.num_text} tokens, joint_tokenizer.json says {meta['num_text']}")
        return tok
