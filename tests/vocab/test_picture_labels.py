"""Labels of token pictures: wrapped to their tile (never running into the neighbour's), titled sheets."""
from __future__ import annotations

import types

import numpy as np
from PIL import Image, ImageDraw

from videobert.vocab.pictures import contact_sheet, grid, label_font, wrap_label


def test_labels_wrap_to_the_tile_width():
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    font = label_font(80)
    lines = wrap_label(draw, "guess 1: word 123 p=0.35", font, 80)
    assert len(lines) >= 2 and all(draw.textlength(s, font=font) <= 80 for s in lines)
    assert " ".join(lines).replace(" ", "") == "guess1:word123p=0.35"
    assert all(draw.textlength(s, font=font) <= 30 for s in wrap_label(draw, "averyveryverylongword", font, 30))


def test_grid_makes_room_for_wrapped_labels_and_a_title():
    tiles = [Image.new("RGB", (80, 80), (200, 0, 0)) for _ in range(3)]
    one_line = grid(tiles, ["a", "b", "c"], cols=3)
    wrapped = grid(tiles, ["guess 1: word 12 p=0.35"] * 3, cols=3)
    titled = grid(tiles, ["a", "b", "c"], cols=3, title="what these tiles are")
    assert wrapped.height > one_line.height and titled.height > one_line.height
    assert one_line.width == wrapped.width == titled.width


def test_contact_sheet_says_what_it_shows():
    vocab = types.SimpleNamespace(num_tokens=3, counts=np.array([1, 5, 0]), exemplars=[None, None, None])
    sheet = contact_sheet(vocab, top=8, size=64, cols=4)
    plain = grid([Image.new("RGB", (64, 64))] * 2, ["word 1: 5 clips", "word 0: 1 clip"], cols=4)
    assert sheet.height > plain.height  # the explaining title
