"""Pictures of visual tokens: a frame from each token's exemplar clip, laid out in strips and sheets.

A token is shown as the frame 0.75 s into its exemplar clip (the middle of a 1.5 s clip),
decoded from the source video with PyAV. When the source is gone (corpora outlive their
videos) or cannot be decoded, a grey tile says so instead of failing the whole picture.
Other stages (forecasting, text-to-video) reuse `exemplar_frame` and `strip`.
"""
from __future__ import annotations

import io
import os
import textwrap
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

from ..utils.io import atomic_write_bytes
from ..utils.media import locate, main_stream, player_origin, quarter_turns, split_source
from .vocabulary import VisualVocab

MID_CLIP = 0.75  # seconds after a clip's start: the middle of a 30-frame clip at 20 fps
BACKGROUND = (24, 24, 24)
LABEL_HEIGHT = 14  # pixels per label line (PIL's default bitmap font is 11 px high)


def read_frame(source: str | os.PathLike, t: float) -> Image.Image:
    """The frame on screen at time `t` (seconds on the player's clock, as clip starts are): the
    first frame at or after `t`, the last frame if `t` is past the end. `source`: a video file or
    a shard member (``SHARD.tar#KEY.mp4``), read in place."""
    images = frame_images(source, [t])
    if not images:
        raise ValueError(f"{source}: no video frame decoded near {t:.2f} s")
    return images[0]


def frame_images(source: str | os.PathLike, times: Sequence[float]) -> list[Image.Image]:
    """`read_frame` at each of `times` (ascending), the source opened once; upright (the display
    rotation applied, as ingest does); [] when it decodes no frame."""
    from ..ingest.shards import open_container

    if not times:
        return []
    source = locate(source)  # a video moved since ingest: found under --video-dir
    # A seek lands on a keyframe before the first time; one that lands after it or decodes nothing
    # (an MPEG-TS whose only keyframe is its first) falls back to decoding from the start.
    for seek in (times[0] > 0, False):
        with open_container(source) as container:
            stream = main_stream(container, "video")
            origin = float(player_origin(container))
            want = [t + origin for t in times]  # stream seconds
            if seek:
                container.seek(int(max(want[0] - 0.5, 0) / stream.time_base), stream=stream)
            out, last = [], None
            for frame in container.decode(stream):
                if last is None and seek and frame.time is not None and frame.time > want[0] + 1e-6:
                    break  # the seek overshot
                last = frame
                while len(out) < len(want) and frame.time is not None and frame.time >= want[len(out)] - 1e-6:
                    out.append(_upright(frame))
                if len(out) == len(want):
                    break
            if last is None and seek:
                continue
            if last is not None:  # past the end: the last frame
                out += [_upright(last)] * (len(want) - len(out))
            return out
    return []


def _upright(frame) -> Image.Image:
    img = frame.to_image()
    turns = quarter_turns(frame)  # display rotation, read as ingest reads it
    return img.rotate(90 * turns, expand=True) if turns else img


def placeholder(size: int, text: str) -> Image.Image:
    img = Image.new("RGB", (size, size), (96, 96, 96))
    draw = ImageDraw.Draw(img)
    lines = textwrap.wrap(text, width=max(size // 7, 8))[: max(size // LABEL_HEIGHT - 1, 1)]
    for i, line in enumerate(lines):
        draw.text((4, 4 + i * LABEL_HEIGHT), line, fill=(235, 235, 235), font=ImageFont.load_default())
    return img


def fit_square(img: Image.Image, size: int) -> Image.Image:
    """Scale to fit a size x size tile, keeping the aspect ratio (letterboxed)."""
    img = img.convert("RGB")
    img.thumbnail((size, size), Image.BILINEAR)
    tile = Image.new("RGB", (size, size), BACKGROUND)
    tile.paste(img, ((size - img.width) // 2, (size - img.height) // 2))
    return tile


def exemplar_frame(vocab: VisualVocab, leaf: int, size: int = 128) -> Image.Image:
    """A size x size picture of token `leaf`: the middle frame of its exemplar clip, or a placeholder."""
    ex = vocab.exemplars[leaf] if 0 <= leaf < vocab.num_tokens else None
    if ex is None:
        return placeholder(size, f"token {leaf}: no exemplar (unused)")
    now = locate(ex["source"])  # the recorded file, or where --video-dir finds it
    source = Path(now)
    parts = split_source(now)  # a shard member: its tar must exist
    if not (Path(parts[0]) if parts else source).is_file():
        return placeholder(size, f"source missing: {source.name} (moved? --video-dir DIR)")
    try:
        return fit_square(read_frame(now, ex["start"] + MID_CLIP), size)
    except Exception as e:  # a damaged source must not sink the whole sheet; the tile says why
        return placeholder(size, f"cannot decode {source.name}: {e}")


def label_font(tile: int) -> ImageFont.ImageFont:
    """A readable font for labels under `tile`-pixel tiles: 13-16 px (PIL's bitmap default is 11)."""
    try:
        return ImageFont.load_default(size=max(13, min(16, tile // 7)))
    except TypeError:  # Pillow < 10.1: the fixed bitmap font only
        return ImageFont.load_default()


def wrap_label(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """`text` in lines no wider than `width` pixels (at spaces; a long word is cut)."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(lines[-1] + " " + word, font=font) <= width:
            lines[-1] += " " + word
            continue
        while len(word) > 1 and draw.textlength(word, font=font) > width:
            cut = 1
            while cut < len(word) and draw.textlength(word[: cut + 1], font=font) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines or [""]


def grid(images: Sequence[Image.Image], labels: Sequence[str], cols: int, pad: int = 8,
         title: str | None = None) -> Image.Image:
    """Equal-sized tiles in rows of `cols`, each with its label underneath (wrapped to the tile's
    width, so neighbouring labels never run together), and an optional `title` (wrapped) on top."""
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if not images:
        raise ValueError("nothing to draw")
    w, h = images[0].size
    cols = max(1, min(cols, len(images)))
    rows = -(-len(images) // cols)
    font = label_font(w)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line_h = int(sum(font.getmetrics()) if hasattr(font, "getmetrics") else LABEL_HEIGHT) + 2
    wrapped = [wrap_label(measure, label, font, w) for label in labels]
    label_h = max(len(lines) for lines in wrapped) * line_h
    cell_w, cell_h = w + pad, h + label_h + pad
    width = cols * cell_w + pad
    title_lines = wrap_label(measure, title, font, width - 2 * pad) if title else []
    top = len(title_lines) * line_h + (pad if title_lines else 0)
    sheet = Image.new("RGB", (width, top + rows * cell_h + pad), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for k, line in enumerate(title_lines):
        draw.text((pad, pad + k * line_h), line, fill=(255, 255, 255), font=font)
    for i, (img, lines) in enumerate(zip(images, wrapped)):
        x, y = pad + (i % cols) * cell_w, top + pad + (i // cols) * cell_h
        sheet.paste(img.convert("RGB").resize((w, h)), (x, y))
        for k, line in enumerate(lines):
            draw.text((x, y + h + 1 + k * line_h), line, fill=(235, 235, 235), font=font)
    return sheet


def strip(images: Sequence[Image.Image], labels: Sequence[str], title: str | None = None) -> Image.Image:
    """One row of labelled tiles (e.g. a token sequence)."""
    return grid(images, labels, cols=len(images), title=title)


def contact_sheet(vocab: VisualVocab, top: int = 48, size: int = 128, cols: int = 8) -> Image.Image:
    """The `top` most used tokens (by clip count), most used first, each labelled 'word ID: N clips',
    under a title that says what the tiles are."""
    used = [int(i) for i in sorted(range(vocab.num_tokens), key=lambda i: (-vocab.counts[i], i)) if vocab.counts[i] > 0]
    if not used:
        raise ValueError("the vocabulary has no usage counts yet; run `videobert vocab CORPUS` to assign the corpus first")
    leaves = used[:top]
    title = (f"The {len(leaves)} most used of {len(used)} visual words, most used first. Each tile: the middle "
             f"frame of the word's exemplar clip (the clip nearest its centroid); label: word id and the number of "
             f"clips assigned to it.")
    return grid([exemplar_frame(vocab, i, size) for i in leaves],
                [f"word {i}: {_clips(int(vocab.counts[i]))}" for i in leaves], cols, title=title)


def _clips(n: int) -> str:
    return f"{n} clip" if n == 1 else f"{n} clips"


def save_png(img: Image.Image, path: str | os.PathLike) -> Path:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return atomic_write_bytes(path, buf.getvalue())
