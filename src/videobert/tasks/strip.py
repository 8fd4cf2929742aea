"""PNG strips of visual words: one row of exemplar frames per token sequence.

A visual word is shown by its exemplar (the training clip nearest its centroid,
``vocab.exemplars[leaf]``): the frame in the middle of that clip. When the vocabulary
module ships picture helpers (``videobert.vocab.pictures.exemplar_frame``) they are used;
otherwise the frame is decoded here with PyAV. A word whose source video cannot be read
is drawn as a grey tile with its id, so a strip is always produced.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

from PIL import Image, ImageDraw

from ..utils.io import atomic_write_bytes

log = logging.getLogger(__name__)
CLIP_MIDDLE = 0.75  # seconds into a 1.5 s clip


def _decode_frame(source: str, t: float, size: int) -> Image.Image:
    import av

    with av.open(source) as container:
        stream = container.streams.video[0]
        if stream.time_base is not None:
            container.seek(max(0, int(t / stream.time_base) - 1), stream=stream, backward=True)
        frame = None
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= t:
                break
        if frame is None:
            raise ValueError(f"{source}: no frame at {t:.2f} s")
        return frame.to_image().convert("RGB").resize((size, size))


def exemplar_image(vocab: Any, leaf: int, size: int = 96) -> Image.Image:
    try:
        from ..vocab.pictures import exemplar_frame

        img = exemplar_frame(vocab, leaf, size)
        return img if isinstance(img, Image.Image) else Image.fromarray(img)
    except ImportError:
        pass
    ex = vocab.exemplars[leaf] if leaf < len(vocab.exemplars) else None
    try:
        if not ex or not ex.get("source"):
            raise ValueError("no exemplar recorded")
        return _decode_frame(str(ex["source"]), float(ex["start"]) + CLIP_MIDDLE, size)
    except Exception as e:  # missing/moved source video: still draw the word
        log.debug("visual word %d: no exemplar frame (%s)", leaf, e)
        img = Image.new("RGB", (size, size), (128, 128, 128))
        ImageDraw.Draw(img).text((4, size // 2 - 6), f"v{leaf}", fill=(255, 255, 255))
        return img


def render_strip(vocab: Any, rows: Sequence[Sequence[int]], labels: Sequence[Sequence[str]] | None = None,
                 size: int = 96) -> Image.Image:
    """One row per token sequence; tile (r, c) is captioned `labels[r][c]` (default: its word id)."""
    pad, label_h = 4, 14
    cols = max(len(r) for r in rows)
    W = pad + cols * (size + pad)
    H = pad + len(rows) * (size + label_h + pad)
    canvas = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    cache: dict[int, Image.Image] = {}
    for r, row in enumerate(rows):
        y = pad + r * (size + label_h + pad)
        for c, leaf in enumerate(row):
            x = pad + c * (size + pad)
            if leaf not in cache:
                cache[leaf] = exemplar_image(vocab, int(leaf), size)
            canvas.paste(cache[leaf], (x, y))
            draw.text((x, y + size + 1), labels[r][c] if labels else f"v{leaf}", fill=(0, 0, 0))
    return canvas


def save_png(image: Image.Image, path: str | Path) -> Path:
    import io

    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return atomic_write_bytes(path, buf.getvalue())
