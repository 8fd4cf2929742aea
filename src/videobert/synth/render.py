"""Pixels of the synthetic kitchen: each noun has a look, each verb a motion and a work surface.

Two styles (`LOOKS`), with the same shapes, textures and motions but other colours and framing:
"kitchen" (the default, described below) and "studio", for checking that what a model learns
transfers to footage nobody tuned on. The studio is dark: a per-video patterned backdrop (wood
planks, slate tiles or diagonal stripes in dark browns, slates and greens), other hues for
every noun (a yellow tomato, a white onion, a purple carrot, a rosy potato, a tan egg, an
orange pepper, a green herb loaf, a sky-blue waxed cheese), walnut, copper, white-ceramic
and red-gingham props, steel tools and blue gloves; the object is smaller (0.55 of the frame
height rather than 0.72) and off-centre, with a camera zoom (0.85-1.15) and an offset (up to
12% of the width, 8% of the height) drawn per video, and more jitter per step. The verbs'
motions are the kitchen's. Rendering costs the same (the backdrop is drawn once per video).

The noun object is drawn large and centred (about half the frame), with a saturated colour
and a coarse texture of its own, over a plain low-contrast counter: features of an untrained
video network are means over the whole frame, so what fills the frame is what they carry.
Each verb moves the object itself, on a neutral grey work surface of its own around it:
cut (a cutting board; a knife chops, the object falls apart in slices that jump up and
down), stir (a bowl; the object spins and circles), pour (the object tilts back and forth, a
stream runs off it into a spreading puddle), peel (a chequered towel; a peeler strokes down,
the skin turns pale and strips fly off), wash (a sink; drops fall on the object while it
shakes from side to side), fry (a dark pan; the object jitters among popping bubbles and
rising steam). Idle stretches show the empty counter with resting hands. Everything scales
with the frame height (designed at 160x120) and is drawn with numpy on small regions, so a
frame costs about a millisecond.

With a step's details (synth `details`), the object is drawn small (0.72x) or big (1.08x),
in one of the two colours of its noun in the look (`Look.variants`; the first is the look's
own), and the destination of the food (a bowl, a plate or a pot, `Look.dests`) stands in a
corner of the frame throughout the step.

Coordinates are pixels, x to the right, y down; sprites are (rgb uint8 (h, w, 3), alpha
bool (h, w)) pairs pasted by their centre.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Iterator

import numpy as np

Sprite = tuple[np.ndarray, np.ndarray]

NOUN_COLOURS = {  # base colour of each noun's skin: saturated, distinct hues and brightness
    "tomato": (215, 30, 25), "onion": (150, 50, 165), "carrot": (250, 120, 10),
    "potato": (125, 80, 40), "egg": (250, 248, 240), "pepper": (35, 165, 40),
    "bread": (220, 170, 100), "cheese": (255, 220, 30),
}
GREY = (105, 105, 110)  # props: thin and neutral, so they do not outweigh the object
RGB = tuple[int, int, int]


@dataclasses.dataclass(frozen=True)
class Look:
    """A visual style: the colours of the nouns and props, the object's size and the framing.

    `backdrop` "plain" is the kitchen's flat counter (fixed framing); "patterned" draws a
    textured backdrop, a camera zoom in `zoom` and an offset of the centre within +-`offset`
    (fractions of the width, height) once per video.
    """
    name: str
    nouns: dict[str, RGB]  # each noun's skin colour
    counter: RGB = (150, 145, 135)  # the plain backdrop's colour
    backdrop: str = "plain"  # "plain" | "patterned"
    tool: RGB = GREY  # knife, spoon, peeler
    board: tuple[RGB, RGB, RGB] = ((200, 198, 190), (150, 148, 140), (175, 172, 165))  # fill, rim, grain
    bowl: tuple[RGB, RGB] = ((120, 122, 128), (215, 215, 220))  # inside, rim
    towel: tuple[RGB, RGB] = ((95, 95, 100), (140, 140, 145))  # chequer
    sink: tuple[RGB, RGB, RGB] = ((175, 180, 190), (135, 140, 150), (60, 60, 65))  # fill, rim, drain
    pan: tuple[RGB, RGB, RGB] = ((45, 45, 50), (85, 85, 92), (60, 60, 65))  # fill, rim, handle
    water: tuple[RGB, RGB, RGB, RGB] = ((185, 210, 235), (200, 225, 250), (235, 245, 255), (170, 215, 255))  # puddle, stream, splash, drops
    fry: tuple[RGB, RGB] = ((250, 240, 170), (235, 235, 235))  # bubbles, steam
    hand: tuple[RGB, RGB] = ((230, 180, 140), (200, 150, 115))  # fill, rim
    size: float = 0.72  # object height / frame height
    jitter: float = 0.04  # per-step shift of the centre, fraction of the frame
    zoom: tuple[float, float] = (1.0, 1.0)
    offset: tuple[float, float] = (0.0, 0.0)
    # each noun's two colours, (name, rgb); the first is `nouns`'s (the plain corpus' only one)
    variants: dict[str, tuple[tuple[str, RGB], ...]] = dataclasses.field(default_factory=dict)
    # the destinations' containers: fill, rim (a bowl, a plate, a pot)
    dests: dict[str, tuple[RGB, RGB]] = dataclasses.field(default_factory=dict)

    def colour_names(self) -> dict[str, tuple[str, ...]]:
        return {n: tuple(name for name, _ in v) for n, v in self.variants.items()}


SIZE_SCALE = {None: 1.0, "small": 0.72, "big": 1.08}
KITCHEN = Look(
    "kitchen", NOUN_COLOURS,
    variants={"tomato": (("red", NOUN_COLOURS["tomato"]), ("green", (110, 170, 45))),
              "onion": (("purple", NOUN_COLOURS["onion"]), ("white", (235, 228, 205))),
              "carrot": (("orange", NOUN_COLOURS["carrot"]), ("purple", (120, 45, 140))),
              "potato": (("brown", NOUN_COLOURS["potato"]), ("red", (175, 60, 50))),
              "egg": (("white", NOUN_COLOURS["egg"]), ("brown", (190, 130, 80))),
              "pepper": (("green", NOUN_COLOURS["pepper"]), ("red", (205, 30, 35))),
              "bread": (("white", NOUN_COLOURS["bread"]), ("brown", (150, 95, 50))),
              "cheese": (("yellow", NOUN_COLOURS["cheese"]), ("orange", (245, 140, 35)))},
    dests={"in the bowl": ((60, 110, 190), (150, 185, 230)), "on the plate": ((245, 245, 240), (185, 185, 190)),
           "in the pot": ((55, 55, 62), (125, 125, 135))},
)
STUDIO = Look(
    "studio",
    nouns={"tomato": (245, 205, 35), "onion": (240, 235, 220), "carrot": (165, 60, 200),
           "potato": (215, 75, 90), "egg": (200, 140, 90), "pepper": (255, 125, 20),
           "bread": (120, 190, 80), "cheese": (90, 160, 220)},
    backdrop="patterned", tool=(205, 210, 220),
    board=((120, 78, 45), (80, 50, 30), (100, 62, 35)), bowl=((235, 232, 222), (60, 90, 140)),
    towel=((170, 40, 40), (230, 220, 210)), sink=((95, 100, 110), (150, 155, 165), (25, 25, 28)),
    pan=((150, 85, 50), (195, 125, 75), (35, 35, 35)),
    water=((90, 140, 180), (120, 190, 230), (200, 230, 255), (140, 200, 240)),
    fry=((255, 200, 120), (205, 210, 220)), hand=((80, 140, 210), (55, 105, 170)),
    size=0.55, jitter=0.06, zoom=(0.85, 1.15), offset=(0.12, 0.08),
    variants={"tomato": (("yellow", (245, 205, 35)), ("red", (225, 45, 40))),
              "onion": (("white", (240, 235, 220)), ("red", (165, 40, 70))),
              "carrot": (("purple", (165, 60, 200)), ("orange", (245, 125, 25))),
              "potato": (("red", (215, 75, 90)), ("brown", (140, 95, 55))),
              "egg": (("brown", (200, 140, 90)), ("white", (245, 242, 235))),
              "pepper": (("orange", (255, 125, 20)), ("yellow", (250, 215, 40))),
              "bread": (("green", (120, 190, 80)), ("brown", (160, 110, 60))),
              "cheese": (("blue", (90, 160, 220)), ("red", (200, 40, 50)))},
    dests={"in the bowl": ((30, 140, 120), (110, 200, 180)), "on the plate": ((35, 35, 40), (90, 90, 100)),
           "in the pot": ((190, 110, 60), (230, 160, 110))},
)
_HARD_VARIANTS = {
    **KITCHEN.variants,
    "apple": (("green", (150, 205, 60)), ("red", (200, 30, 45))),
    "lemon": (("yellow", (250, 245, 120)), ("green", (120, 190, 60))),
    "banana": (("yellow", (240, 205, 70)), ("brown", (150, 110, 50))),
    "mushroom": (("brown", (185, 150, 120)), ("white", (235, 230, 220))),
    "garlic": (("white", (235, 215, 225)), ("purple", (170, 110, 170))),
    "cucumber": (("green", (35, 95, 45)), ("yellow", (210, 200, 90))),
    "lettuce": (("green", (160, 220, 120)), ("red", (150, 40, 70))),
    "corn": (("yellow", (240, 190, 40)), ("white", (240, 235, 200))),
    "fish": (("silver", (140, 165, 195)), ("pink", (235, 150, 150))),
    "chicken": (("golden", (205, 135, 60)), ("pink", (240, 175, 165))),
    "rice": (("white", (245, 245, 235)), ("brown", (170, 130, 80))),
    "butter": (("yellow", (250, 230, 140)), ("white", (245, 240, 225))),
}
# The "hard" style: 20 nouns and 12 verbs (the kitchen's props and colours for the first 8 and 6),
# a plain counter or a patterned backdrop per video, a smaller object, per-video zoom and offset.
HARD = dataclasses.replace(
    KITCHEN, name="hard", nouns={n: v[0][1] for n, v in _HARD_VARIANTS.items()}, backdrop="mixed",
    size=0.6, jitter=0.06, zoom=(0.8, 1.2), offset=(0.12, 0.1), variants=_HARD_VARIANTS)
LOOKS = {"kitchen": KITCHEN, "studio": STUDIO, "hard": HARD}
DISTRACTOR_SLOTS = ((0.86, 0.2), (0.12, 0.84), (0.88, 0.84), (0.5, 0.9))  # fractions of (W, H); the dest is at (0.15, 0.2)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalized coordinates u (x), v (y) in [-1, 1] over an (h, w) box, each (h, w)."""
    v, u = np.mgrid[0:h, 0:w].astype(np.float32)
    return (u + 0.5) / w * 2 - 1, (v + 0.5) / h * 2 - 1


def _finish(shade: np.ndarray, colour, rng: np.random.Generator) -> np.ndarray:
    """(h, w) shading x base colour, with a little per-step tint and grain so no two steps are identical."""
    grain = 1 + 0.04 * rng.standard_normal(shade.shape).astype(np.float32)
    tint = np.asarray(colour, np.float32) * rng.uniform(0.92, 1.06, 3)
    return np.clip(tint * (shade * grain)[..., None], 0, 255)  # (h, w, 3)


def noun_sprite(noun: str, size: int, rng: np.random.Generator, colours: dict[str, RGB] = NOUN_COLOURS) -> Sprite:
    """The noun's look about `size` pixels tall: shape, colour (from `colours`) and a coarse texture per noun."""
    if noun not in colours:
        raise ValueError(f"unknown noun {noun!r}; known: {sorted(colours)}")
    col = colours[noun]
    if noun == "tomato":  # red ball, big highlight, green star calyx
        u, v = _grid(size, int(size * 1.1))
        r2 = u * u + v * v
        mask = r2 < 0.95
        rgb = _finish(1.1 - 0.45 * r2 + 0.6 * np.exp(-((u + 0.35) ** 2 + (v + 0.35) ** 2) / 0.04), col, rng)
        ang = np.arctan2(v + 0.75, u)
        calyx = (u * u + (v + 0.75) ** 2) < (0.12 + 0.1 * np.cos(5 * ang)) ** 2 * 4
        rgb[calyx & mask] = (40, 120, 30)
    elif noun == "onion":  # purple bulb with a pointed top and bold pale meridian stripes
        u, v = _grid(size, size)
        body = u * u + (v - 0.15) ** 2 < 0.72
        tip = (v < -0.3) & (np.abs(u) < 0.45 * (v + 1.0))
        mask = body | tip
        stripes = 0.75 + 0.35 * (np.cos(12 * u / np.sqrt(np.maximum(1 - (v - 0.15) ** 2, 0.05))) > 0.3)
        rgb = _finish(stripes * (1.1 - 0.3 * (u * u + v * v)), col, rng)
    elif noun == "carrot":  # fat orange cone with dark ridges and green leaves at the wide end
        u, v = _grid(int(size * 0.75), int(size * 1.5))
        body = (u > -0.7) & (np.abs(v) < 0.95 * (1 - (u + 0.7) / 1.75))
        leaves = (u <= -0.7) & (np.abs(v) < 0.8) & (np.sin(v * 18 + u * 6) > -0.2)
        mask = body | leaves
        rgb = _finish((1 - 0.45 * (np.sin(u * 22) > 0.6)) * (1.1 - 0.3 * v * v), col, rng)
        rgb[leaves] = (50, 140, 40)
    elif noun == "potato":  # lumpy dark-brown oval, mottled, with many dark eyes
        u, v = _grid(int(size * 0.85), int(size * 1.25))
        ang = np.arctan2(v, u)
        mask = u * u + v * v < 0.9 * (1 + 0.1 * np.sin(3 * ang + rng.uniform(0, 6)))
        mottle = 1 + 0.2 * np.sin(9 * u + 3) * np.sin(8 * v + 1)
        rgb = _finish(mottle * (1.15 - 0.3 * (u * u + v * v)), col, rng)
        for _ in range(12):
            ex, ey = rng.uniform(-0.7, 0.7, 2)
            rgb[(u - ex) ** 2 + ((v - ey) * 1.4) ** 2 < 0.015] = (55, 30, 15)
    elif noun == "egg":  # smooth white oval, narrower at the top
        u, v = _grid(size, int(size * 0.85))
        mask = (u / (0.85 + 0.15 * v)) ** 2 + v * v < 0.95
        rgb = _finish(1.0 - 0.25 * (u * u + v * v) + 0.1 * np.exp(-((u + 0.3) ** 2 + (v + 0.4) ** 2) / 0.05), col, rng)
    elif noun == "pepper":  # green bell with deep vertical lobes and a dark stem
        u, v = _grid(size, int(size * 1.05))
        body = (u / 0.9) ** 4 + ((v - 0.15) / 0.8) ** 4 < 1
        stem = (np.abs(u) < 0.12) & (v < -0.5)
        mask = body | stem
        rgb = _finish(0.45 + 0.7 * np.cos(u * 2.0 * np.pi) ** 2, col, rng)
        rgb[stem] = (30, 80, 25)
    elif noun == "bread":  # loaf: thick dark crust, pale crumb, bold diagonal slashes
        u, v = _grid(int(size * 0.8), int(size * 1.45))
        mask = (u / 0.97) ** 6 + (v / 0.95) ** 2 < 1
        inner = (u / 0.8) ** 6 + ((v + 0.05) / 0.62) ** 2 < 1
        slash = inner & (np.sin((u + 0.5 * v) * 11) > 0.7)
        rgb = _finish(np.where(inner, 1.08, 0.55), col, rng)
        rgb[slash] = (120, 65, 25)
    elif noun == "cheese":  # bright yellow block with big holes
        u, v = _grid(int(size * 0.85), int(size * 1.3))
        mask = (v > -0.9 * u - 0.25) & (v < 0.95) & (u < 0.97)
        rgb = _finish(np.ones_like(u), col, rng)
        for _ in range(9):
            hx, hy, hr = rng.uniform(-0.3, 0.85), rng.uniform(-0.3, 0.8), rng.uniform(0.015, 0.04)
            rgb[(u - hx) ** 2 + (v - hy) ** 2 < hr] = (190, 130, 15)
    elif noun in _HARD_SPRITES:
        rgb, mask = _HARD_SPRITES[noun](size, col, rng)
    else:
        raise ValueError(f"unknown noun {noun!r}; known: {sorted(colours)}")
    return rgb.astype(np.uint8), mask


# ---- the "hard" style's further nouns: a shape, a texture and an accent each ---------------------
def _apple(size, col, rng):  # round, a dimple and stem on top, a leaf, faint vertical streaks
    u, v = _grid(size, size)
    mask = (u * u + (v - 0.05) ** 2 < 0.85) & ~((np.abs(u) < 0.18) & (v < -0.72))
    rgb = _finish((1.05 - 0.3 * (u * u + v * v)) * (1 + 0.08 * np.sin(u * 14)), col, rng)
    stem = (np.abs(u - 0.02) < 0.05) & (v < -0.6) & (v > -1)
    leaf = ((u - 0.3) ** 2 / 0.05 + (v + 0.8) ** 2 / 0.01) < 1
    rgb[stem], rgb[leaf] = (90, 60, 30), (40, 140, 40)
    return rgb, mask | stem | leaf


def _lemon(size, col, rng):  # a wide ellipse with pointed tips and a dimpled skin
    u, v = _grid(int(size * 0.75), int(size * 1.35))
    mask = (np.abs(u) ** 1.6 + np.abs(v) ** 2) < 0.9 * (1 - 0.15 * np.abs(u) ** 6)
    dimples = 1 - 0.12 * ((np.sin(u * 31) * np.sin(v * 29)) > 0.6)
    return _finish(dimples * (1.1 - 0.3 * v * v), col, rng), mask


def _banana(size, col, rng):  # a crescent with brown tips
    u, v = _grid(int(size * 0.7), int(size * 1.6))
    outer = u * u + (v + 0.9) ** 2 < 1.9 ** 2 / 1.6
    inner = u * u + (v + 1.35) ** 2 < 1.7 ** 2 / 1.5
    mask = outer & ~inner & (v > -0.95)
    rgb = _finish(1.05 - 0.2 * np.abs(u) + 0.1 * np.sin(v * 9), col, rng)
    rgb[mask & (np.abs(u) > 0.85)] = (90, 60, 25)
    return rgb, mask


def _mushroom(size, col, rng):  # a domed cap with pale spots over a cream stem
    u, v = _grid(size, size)
    cap = (u * u + (v + 0.05) ** 2 / 0.5 < 0.85) & (v < 0.05)
    stem = (np.abs(u) < 0.25) & (v >= 0.05) & (v < 0.9)
    rgb = _finish(1.05 - 0.3 * u * u, col, rng)
    for _ in range(6):
        sx, sy = rng.uniform(-0.6, 0.6), rng.uniform(-0.5, -0.1)
        rgb[cap & ((u - sx) ** 2 + (v - sy) ** 2 < 0.012)] = (245, 240, 225)
    rgb[stem] = (235, 225, 200)
    return rgb, cap | stem


def _garlic(size, col, rng):  # a squat bulb of cloves (dark seams), a narrow neck, roots below
    u, v = _grid(size, size)
    body = u * u / 0.8 + (v - 0.2) ** 2 / 0.45 < 1
    neck = (np.abs(u) < 0.12 + 0.1 * (v + 0.9)) & (v < -0.3) & (v > -0.95)
    roots = (v > 0.82) & (np.abs(u) < 0.3) & (np.sin(u * 40) > 0)
    seams = np.abs(np.sin(u * 5.5 / np.sqrt(np.maximum(1 - (v - 0.2) ** 2, 0.1)))) < 0.15
    rgb = _finish(np.where(seams, 0.72, 1.0) * (1.05 - 0.2 * u * u), col, rng)
    rgb[roots] = (150, 130, 100)
    return rgb, body | neck | roots


def _cucumber(size, col, rng):  # long and thin, with pale speckles and faint long stripes
    u, v = _grid(int(size * 0.5), int(size * 2.0))
    mask = (np.abs(u) ** 2.5 + np.abs(v) ** 2) < 0.9
    rgb = _finish((1.0 + 0.12 * (np.sin(v * 12) > 0.7)) * (1.1 - 0.35 * v * v), col, rng)
    for _ in range(25):
        x, y = rng.uniform(-0.8, 0.8), rng.uniform(-0.6, 0.6)
        rgb[(u - x) ** 2 * 8 + (v - y) ** 2 * 40 < 0.1] = (200, 225, 170)
    return rgb, mask


def _lettuce(size, col, rng):  # a ruffled round head with radial veins
    u, v = _grid(size, int(size * 1.15))
    r, a = np.sqrt(u * u + v * v), np.arctan2(v, u)
    mask = r < 0.85 + 0.1 * np.sin(11 * a)
    veins = np.abs(np.sin(7 * a)) < 0.12
    return _finish(np.where(veins, 1.25, 0.95 + 0.1 * np.sin(r * 20)), col, rng), mask


def _corn(size, col, rng):  # a long cob of kernels in a grid, green husk leaves at one end
    u, v = _grid(int(size * 0.55), int(size * 1.8))
    cob = (np.abs(u) ** 2 + np.abs(v) ** 3) < 0.8
    husk = (u < -0.55) & (np.abs(v) < 0.9) & (np.abs(v) > 0.5 * (u + 1)) & (np.sin(v * 8) > -0.5)
    kernels = ((np.sin(v * 28) > -0.2) & (np.sin(u * 14) > -0.3)).astype(np.float32)
    rgb = _finish(0.7 + 0.4 * kernels, col, rng)
    rgb[husk] = (90, 160, 60)
    return rgb, cob | husk


def _fish(size, col, rng):  # a long body with scales, an eye and a tail fin
    u, v = _grid(int(size * 0.7), int(size * 1.7))
    body = (u * u / 0.6 + (v - 0.15) ** 2 / 0.55) < 1
    tail = (v < -0.65) & (np.abs(u) < 1.1 * (-0.6 - v))
    scales = 1 - 0.18 * ((np.sin(u * 20 + np.sin(v * 20)) * np.sin(v * 20)) > 0.5)
    rgb = _finish(scales * (1.15 - 0.4 * u * u), col, rng)
    rgb[(u + 0.1) ** 2 + (v - 0.6) ** 2 < 0.012] = (20, 20, 25)
    return rgb, body | tail


def _chicken(size, col, rng):  # a drumstick: a golden meaty end and a white bone with a knob
    u, v = _grid(int(size * 0.8), int(size * 1.5))
    meat = (u * u / 0.75 + (v - 0.3) ** 2 / 0.4) < 1
    bone = (np.abs(u) < 0.13) & (v < -0.1) & (v > -0.82)
    knob = (np.abs(u) - 0.15) ** 2 + (v + 0.85) ** 2 < 0.03
    rgb = _finish((1.1 - 0.35 * (u * u + (v - 0.3) ** 2)) * (1 + 0.1 * np.sin(u * 9 + v * 7)), col, rng)
    rgb[(bone | knob) & ~meat] = (240, 235, 220)
    return rgb, meat | bone | knob


def _rice(size, col, rng):  # a dome-shaped heap of grains
    u, v = _grid(int(size * 0.7), int(size * 1.4))
    mask = (u * u + ((v - 0.9) / 1.7) ** 2 < 1) & (v < 0.9)
    rgb = _finish(1.0 - 0.15 * v, col, rng)
    for _ in range(int(size * 1.5)):
        x, y = rng.uniform(-0.9, 0.9), rng.uniform(-0.7, 0.85)
        rgb[(u - x) ** 2 * 300 + (v - y) ** 2 * 200 < 1] = tuple(int(c * 0.8) for c in col)
    return rgb, mask


def _butter(size, col, rng):  # a flat block, half in silver foil
    u, v = _grid(int(size * 0.6), int(size * 1.5))
    mask = (np.abs(u) < 0.92) & (np.abs(v) < 0.95)
    rgb = _finish(np.where(u < -0.75, 0.8, 1.05), col, rng)
    foil = mask & (v > 0.1)
    rgb[foil] = (190, 195, 205)
    rgb[foil & (np.sin(v * 30 + u * 10) > 0.6)] = (150, 155, 165)
    return rgb, mask


_HARD_SPRITES = {"apple": _apple, "lemon": _lemon, "banana": _banana, "mushroom": _mushroom, "garlic": _garlic,
                 "cucumber": _cucumber, "lettuce": _lettuce, "corn": _corn, "fish": _fish, "chicken": _chicken,
                 "rice": _rice, "butter": _butter}


@functools.lru_cache(maxsize=8)
def _offsets(d: int) -> tuple[np.ndarray, np.ndarray]:
    """(d, d) y and x offsets from the centre of a d x d canvas (cached: rotate runs per frame)."""
    yy, xx = np.mgrid[0:d, 0:d].astype(np.float32) - (d - 1) / 2
    return yy, xx


def rotate(sprite: Sprite, angle: float) -> Sprite:
    """`sprite` turned by `angle` radians about its centre (nearest neighbour), on a square canvas."""
    rgb, alpha = sprite
    h, w = alpha.shape
    yy, xx = _offsets(int(np.ceil(np.hypot(h, w))) | 1)
    c, s = float(np.cos(angle)), float(np.sin(angle))
    # inverse map, canvas -> source, rounded to the nearest source pixel (+0.5 then floor)
    sx = np.floor(c * xx + s * yy + w / 2).astype(np.int32)
    sy = np.floor(-s * xx + c * yy + h / 2).astype(np.int32)
    ok = (sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)
    idx = np.where(ok, sy * w + sx, 0)  # flat source index, 0 where outside
    return rgb.reshape(-1, 3)[idx], alpha.ravel()[idx] & ok


def paste(frame: np.ndarray, sprite: Sprite, cx: float, cy: float) -> None:
    """Draw `sprite` centred at (cx, cy), clipped to the frame, in place."""
    rgb, alpha = sprite
    h, w = alpha.shape
    H, W = frame.shape[:2]
    y0, x0 = int(round(cy - h / 2)), int(round(cx - w / 2))
    fy0, fx0, fy1, fx1 = max(y0, 0), max(x0, 0), min(y0 + h, H), min(x0 + w, W)
    if fy0 >= fy1 or fx0 >= fx1:
        return
    a = alpha[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0]
    frame[fy0:fy1, fx0:fx1][a] = rgb[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0][a]


def dots(frame: np.ndarray, xs: np.ndarray, ys: np.ndarray, colour, radius: int = 1) -> None:
    """Square dots of side 2*radius+1 (radius 0: single pixels) at (xs, ys), clipped, in place."""
    H, W = frame.shape[:2]
    d = np.arange(-radius, radius + 1)
    X = np.rint(np.asarray(xs, np.float64)).astype(np.int64)[:, None, None] + d[None, None, :]
    Y = np.rint(np.asarray(ys, np.float64)).astype(np.int64)[:, None, None] + d[None, :, None]
    X, Y = (a.ravel() for a in np.broadcast_arrays(X, Y))  # (n * (2r+1)^2,)
    ok = (X >= 0) & (X < W) & (Y >= 0) & (Y < H)
    frame[Y[ok], X[ok]] = colour


def line(frame: np.ndarray, p0, p1, colour, radius: int = 1) -> None:
    n = int(np.hypot(p1[0] - p0[0], p1[1] - p0[1])) + 2
    t = np.linspace(0, 1, n)
    dots(frame, p0[0] + t * (p1[0] - p0[0]), p0[1] + t * (p1[1] - p0[1]), colour, radius)


def _box(h: int, w: int, colour, rim=None, power: float = 8.0) -> Sprite:
    """A rounded rectangle (superellipse) sprite, optionally with a darker rim."""
    u, v = _grid(max(h, 2), max(w, 2))
    r = np.abs(u) ** power + np.abs(v) ** power
    rgb = np.empty(u.shape + (3,), np.uint8)
    rgb[:] = colour
    if rim is not None:
        rgb[r > 0.55] = rim
    return rgb, r < 1


_BACKDROPS = ((95, 65, 40), (62, 64, 70), (45, 70, 60), (80, 55, 70))  # walnut, slate, dark green, plum


def patterned_backdrop(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """(height, width, 3) uint8: a dark textured backdrop, one of wood planks, slate tiles or
    diagonal stripes, its colour, scale and phase drawn from `rng` (the studio's, per video)."""
    u, v = _grid(height, width)
    u = u * (width / height)  # square texture cells whatever the aspect ratio
    base = np.asarray(_BACKDROPS[rng.integers(len(_BACKDROPS))], np.float32) * rng.uniform(0.85, 1.15, 3)
    kind, k, ph = int(rng.integers(3)), rng.uniform(2.5, 4.5), rng.uniform(0, 2 * np.pi)
    if kind == 0:  # wood planks: wavy grain lines, dark seams between planks
        grain = 0.9 + 0.12 * np.sin(9 * k * v + 2.5 * np.sin(1.7 * k * u + ph))
        shade = np.where(np.abs(np.sin(k * np.pi * v / 2 + ph)) < 0.08, 0.55, grain)
    elif kind == 1:  # slate tiles: a brightness per tile, pale grout lines
        tx, ty = np.floor(k * u / 2 + ph), np.floor(k * v / 2 + ph)
        shade = 0.85 + 0.15 * np.sin(12.9898 * tx + 78.233 * ty) ** 2
        fx, fy = (k * u / 2 + ph) % 1.0, (k * v / 2 + ph) % 1.0
        shade = np.where((fx < 0.05) | (fy < 0.05), 1.5, shade)
    else:  # diagonal stripes, two tones
        shade = np.where(np.sin(2 * k * (u + v) + ph) > 0, 1.0, 0.78)
    return np.clip(base * shade[..., None], 0, 255).astype(np.uint8)


class Scene:
    """One video's set: the backdrop (and, for a patterned look, the framing) fixed per video,
    the rest varied per step; `look` picks the style's colours and geometry."""

    def __init__(self, width: int, height: int, fps: int, rng: np.random.Generator, look: Look = KITCHEN,
                 extra: np.random.Generator | None = None, distractors: int = 0, lighting: float = 0.0):
        """`extra`: the generator of the options below (its own, so that without them the scene
        draws what it always drew); `distractors`: up to this many other nouns stand still at the
        frame's edges during a step; `lighting`: per-video gain (+-lighting), colour cast
        (+-lighting/2 per channel) and offset (+-24 * lighting levels) over every frame."""
        self.W, self.H, self.fps, self.rng, self.look = width, height, fps, rng, look
        self.nouns = dict(look.nouns)  # the current step's noun colours (set per step)
        self.zoom, self.ox, self.oy = 1.0, 0.0, 0.0  # camera: size scale, centre offset (fractions)
        if (distractors or lighting) and extra is None:
            raise ValueError("distractors and lighting need their own generator (extra=)")
        self.extra, self.distractors, self.light = extra, distractors, None
        if lighting:
            gain = (1 + extra.uniform(-lighting, lighting)) * (1 + extra.uniform(-lighting / 2, lighting / 2, 3))
            self.light = (gain.astype(np.float32), np.float32(extra.uniform(-24, 24) * lighting))
        if look.backdrop == "mixed":  # per video: a plain counter of a random muted colour, or a pattern
            if rng.random() < 0.5:
                look = dataclasses.replace(look, backdrop="plain", counter=tuple(int(c) for c in rng.uniform(90, 200, 3)))
            else:
                look = dataclasses.replace(look, backdrop="patterned")
            self.look = look
            self.zoom = float(rng.uniform(*look.zoom))
            self.ox, self.oy = (float(x) for x in rng.uniform(-1, 1, 2) * look.offset)
        if look.backdrop == "plain":
            # A muted, mid-grey counter (low saturation, low contrast) with a soft vertical gradient.
            counter = np.array(look.counter) * rng.uniform(0.9, 1.06) + rng.uniform(-6, 6, 3)
            y = np.linspace(-1, 1, height, dtype=np.float32)[:, None, None]
            img = np.broadcast_to(counter * (1 + 0.06 * y), (height, width, 3))
            self.base = np.clip(img, 0, 255).astype(np.uint8)
        elif look.backdrop == "patterned":
            self.base = patterned_backdrop(width, height, rng)
            if self.look.name != "hard":  # the studio's framing (the hard style drew its own above)
                self.zoom = float(rng.uniform(*look.zoom))
                self.ox, self.oy = (float(x) for x in rng.uniform(-1, 1, 2) * look.offset)
        else:
            raise ValueError(f"unknown backdrop {look.backdrop!r}; known: plain, patterned")

    def u(self, a: float) -> int:
        """`a` frame heights in pixels, times the camera zoom (all sizes scale with the height)."""
        return max(1, int(round(a * self.H * self.zoom)))

    def background(self) -> tuple[np.ndarray, float, float]:
        """A step's static background and the object's centre (cx, cy), jittered per step."""
        rng, W, H, j = self.rng, self.W, self.H, self.look.jitter
        img = (self.base.astype(np.float32) * rng.uniform(0.96, 1.04)).clip(0, 255).astype(np.uint8)
        return img, W * (0.5 + self.ox + rng.uniform(-j, j)), H * (0.5 + self.oy + rng.uniform(-j, j))

    # ---- idle and steps: generators of frames ----------------------------------------------
    def idle(self, n: int) -> Iterator[np.ndarray]:
        bg, cx, cy = self.background()
        hand = _box(self.u(0.17), self.u(0.3), self.look.hand[0], rim=self.look.hand[1], power=4)
        dx = self.W * self.rng.uniform(0.25, 0.33)
        for i in range(n):
            f = bg.copy()
            breath = np.sin(2 * np.pi * i / (2.5 * self.fps))  # hands move a pixel or so
            paste(f, hand, cx - dx, cy + self.u(0.25) + breath)
            paste(f, hand, cx + dx, cy + self.u(0.25) - breath)
            yield self._lit(f)

    def _lit(self, f: np.ndarray) -> np.ndarray:
        if self.light is None:
            return f
        gain, offset = self.light
        return np.clip(f.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)

    def _distractors(self, noun: str) -> list[tuple[Sprite, float, float]]:
        """1..`distractors` other nouns (the look's), small, at free edge slots: (sprite, x, y)."""
        if not self.distractors:
            return []
        rng = self.extra
        others = [n for n in self.look.nouns if n != noun]
        k = int(rng.integers(1, self.distractors + 1))
        slots = rng.permutation(len(DISTRACTOR_SLOTS))[:k]
        out = []
        for j in slots:
            other = others[rng.integers(len(others))]
            sprite = noun_sprite(other, self.u(0.24 * rng.uniform(0.85, 1.15)), rng, self.look.nouns)
            out.append((sprite, self.W * DISTRACTOR_SLOTS[j][0], self.H * DISTRACTOR_SLOTS[j][1]))
        return out

    def step(self, verb: str, noun: str, n: int, size: str | None = None, colour: str | None = None,
             dest: str | None = None) -> Iterator[np.ndarray]:
        """`n` frames of the step; `size`, `colour` and `dest` are its details (None: the plain look)."""
        draw = getattr(self, f"_{verb}", None)
        if draw is None:
            raise ValueError(f"unknown verb {verb!r}")
        self.nouns = dict(self.look.nouns)  # the step's colours: the look's, or the detail's variant
        if colour is not None:
            variants = dict(self.look.variants.get(noun, ()))
            if colour not in variants:
                raise ValueError(f"{noun!r} has no colour {colour!r} in the {self.look.name} look; known: {sorted(variants)}")
            self.nouns[noun] = variants[colour]
        prop = self._container(dest)
        rng = self.rng
        # kitchen: the object fills about half the frame
        px = self.u(self.look.size * SIZE_SCALE[size] * rng.uniform(0.9, 1.1))
        speed = rng.uniform(0.8, 1.25)  # motions' rate varies per step
        flip = rng.random() < 0.5  # mirror the whole step
        others = self._distractors(noun)
        for f in draw(noun, px, speed, n):
            if prop is not None:  # the destination stands in a corner, in front of the work surface
                paste(f, prop, self.W * 0.15, self.H * 0.2)
            for sprite, x, y in others:
                paste(f, sprite, x, y)
            yield self._lit(f[:, ::-1] if flip else f)

    def _container(self, dest: str | None) -> Sprite | None:
        if dest is None:
            return None
        if dest not in self.look.dests:
            raise ValueError(f"unknown destination {dest!r}; known: {sorted(self.look.dests)}")
        fill, rim = self.look.dests[dest]
        if dest == "on the plate":  # wide and flat
            return _box(self.u(0.14), self.u(0.42), fill, rim=rim, power=2)
        if dest == "in the pot":  # a squarish pot with a rim
            return _box(self.u(0.3), self.u(0.34), fill, rim=rim, power=6)
        return _box(self.u(0.24), self.u(0.36), fill, rim=rim, power=2)  # a round bowl

    def _cut(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        fill, rim, grain = self.look.board
        board = _box(self.u(0.85), int(self.W * 0.85 * self.zoom), fill, rim=rim, power=10)
        board[0][::3] = grain  # fine grain lines
        paste(bg, board, cx, cy)
        rgb, a = noun_sprite(noun, size, self.rng, self.nouns)
        h, w = a.shape
        k = 3  # slices side by side
        edges = np.linspace(0, w, k + 1).astype(int)
        slices = [(rgb[:, lo:hi], a[:, lo:hi]) for lo, hi in zip(edges, edges[1:])]
        blade = max(1, self.u(0.012))
        for i in range(n):
            t = i / self.fps
            f = bg.copy()
            chop = 0.5 - 0.5 * np.cos(2 * np.pi * 1.4 * speed * t)  # knife height: 0 up, 1 down
            gap = min(1.0, 1.5 * i / max(n, 1)) * 0.12 * size  # the slices drift apart
            for j, s in enumerate(slices):
                mid = (edges[j] + edges[j + 1]) / 2 - w / 2
                hop = (1 if j % 2 else -1) * chop * 0.12 * h  # each chop knocks the slices up and down
                paste(f, s, cx + mid + (j - (k - 1) / 2) * gap, cy + hop)
            kx = cx + (edges[1] - w / 2) - gap / 2
            tip = cy - h / 2 - self.u(0.05) + chop * (h + self.u(0.05))
            line(f, (kx, tip - self.u(0.4)), (kx, tip), self.look.tool, radius=blade)
            yield f

    def _stir(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        paste(bg, _box(self.u(0.92), self.u(1.2), self.look.bowl[0], rim=self.look.bowl[1], power=2), cx, cy)  # a bowl
        obj = noun_sprite(noun, int(size * 0.9), self.rng, self.nouns)
        rx, ry = self.u(0.1), self.u(0.06)
        spin = 1 if self.rng.random() < 0.5 else -1
        for i in range(n):
            th = 2 * np.pi * 0.8 * speed * i / self.fps
            f = bg.copy()
            paste(f, rotate(obj, spin * th), cx + rx * np.cos(th), cy + ry * np.sin(th))
            hx, hy = cx - 1.6 * rx * np.cos(th), cy - 1.6 * ry * np.sin(th)
            line(f, (hx, hy), (hx + self.u(0.2), hy - self.u(0.45)), self.look.tool, radius=max(1, self.u(0.012)))
            yield f

    def _pour(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        obj = noun_sprite(noun, size, self.rng, self.nouns)
        w = obj[1].shape[1]
        rng, (puddle, stream, splash, _) = self.rng, self.look.water
        poured = 0  # frames of pouring so far: a puddle spreads under the object
        puddles: dict[int, Sprite] = {}  # the puddle's sprite by width, made once
        for i in range(n):
            t = i / self.fps
            tilt = 1 - abs(2 * ((0.5 * speed * t) % 1.0) - 1)  # 0 upright .. 1 tilted, at a steady rate
            ang = np.deg2rad(50) * tilt
            f = bg.copy()
            if poured:
                pw = min(int(self.W * 0.9), self.u(0.3) + 3 * poured)
                if pw not in puddles:
                    puddles[pw] = _box(max(2, pw // 3), pw, puddle, power=2)
                paste(f, puddles[pw], cx, self.H - pw / 8)
            paste(f, rotate(obj, ang), cx, cy - self.u(0.05))
            if tilt > 0.3:  # tilted far enough: a stream runs off the low (right) side
                poured += 1
                lipx = cx + 0.5 * w * np.cos(ang)  # the right edge's middle, turned by the tilt
                lipy = cy - self.u(0.05) + 0.5 * w * np.sin(ang)
                ys = np.arange(lipy, self.H, 1.0)
                xs = lipx + 1.5 * np.sin(ys * 0.5 + 6 * t)
                dots(f, xs, ys, stream, radius=max(1, self.u(0.03)))
                dots(f, lipx + rng.uniform(-8, 8, 10), self.H - rng.uniform(1, 8, 10), splash, 1)
            yield f

    def _peel(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        towel = _box(self.u(0.85), int(self.W * 0.85 * self.zoom), self.look.towel[0], power=10)
        yy, xx = np.mgrid[0:towel[1].shape[0], 0:towel[1].shape[1]] // max(2, self.u(0.08))
        towel[0][(yy + xx) % 2 == 0] = self.look.towel[1]  # a chequered towel
        paste(bg, towel, cx, cy)
        rgb, a = noun_sprite(noun, size, self.rng, self.nouns)
        pale = (rgb.astype(np.float32) * 0.45 + np.array([250, 240, 200]) * 0.55).astype(np.uint8)
        h, w = a.shape
        skin = tuple(int(x * 0.8) for x in self.nouns[noun])
        sweep = max(2, int(self.fps / (1.3 * speed)))  # frames per peeler stroke
        strips: list[list[float]] = []  # x, y, vx, vy (pixels, pixels/frame)
        rng = self.rng
        for i in range(n):
            f = bg.copy()
            done = int(w * min(1.0, (i + 1) / n * 1.2))  # peeled columns so far: the object turns pale
            cur = rgb.copy()
            cur[:, :done] = pale[:, :done]
            paste(f, (cur, a), cx, cy)
            phase = (i % sweep) / sweep
            pxx = cx - w / 2 + done
            pyy = cy - h / 2 + phase * h  # the peeler strokes down the object
            if i % sweep == sweep // 2:
                strips.append([pxx, pyy, rng.uniform(-2.5, 2.5), rng.uniform(-3.0, -1.5)])
            for s_ in strips:
                s_[0] += s_[2]
                s_[1] += s_[3]
                s_[3] = min(s_[3] + 0.3, 3.0) if s_[1] < self.H - 3 else 0.0
                s_[2] = s_[2] if s_[3] else 0.0
                line(f, (s_[0] - 4, s_[1] - 1), (s_[0] + 4, s_[1] + 1), skin, radius=max(1, self.u(0.015)))
            line(f, (pxx, pyy), (pxx + self.u(0.06), pyy - self.u(0.3)), self.look.tool, radius=max(1, self.u(0.015)))
            yield f

    def _wash(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        fill, rim, drain = self.look.sink
        sx = self.W * (0.5 + self.ox)  # the sink is centred on the camera, the object jittered about it
        paste(bg, _box(self.u(0.9), int(self.W * 0.9 * self.zoom), fill, rim=rim, power=6), sx, cy)  # a sink
        paste(bg, _box(self.u(0.08), self.u(0.08), drain, power=2), sx, cy + self.u(0.3))  # its drain
        obj = noun_sprite(noun, size, self.rng, self.nouns)
        k = 60
        rng = self.rng
        dx = rng.uniform(-self.u(0.3), self.u(0.3), k)
        y0, span = rng.uniform(0, 1, k), self.H
        v = self.H * 1.6 / self.fps  # falling speed, pixels per frame
        for i in range(n):
            t = i / self.fps
            f = bg.copy()
            paste(f, obj, cx + self.u(0.08) * np.sin(2 * np.pi * 2.5 * speed * t), cy)
            ys = (y0 * span + v * i) % span
            dots(f, cx + dx, ys, self.look.water[3], radius=max(1, self.u(0.01)))
            yield f

    def _fry(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        R = self.u(0.46)
        fill, rim, handle = self.look.pan
        paste(bg, _box(2 * R, 2 * R, fill, rim=rim, power=2), cx, cy)  # a pan
        line(bg, (cx + R, cy), (cx + R + self.u(0.3), cy), handle, radius=max(1, self.u(0.02)))
        obj = noun_sprite(noun, size, self.rng, self.nouns)
        rng = self.rng
        k = 40
        ang, rad = rng.uniform(0, 2 * np.pi, k), R * 0.95 * np.sqrt(rng.uniform(0, 1, k))
        bx, by = cx + rad * np.cos(ang), cy + rad * np.sin(ang)
        phase = rng.uniform(0, 2 * np.pi, k)
        steam_x, steam_p = cx + rng.uniform(-R, R, 8), rng.uniform(0, 1, 8)
        for i in range(n):
            t = i / self.fps
            f = bg.copy()
            jit = rng.integers(-self.u(0.045), self.u(0.045) + 1, 2)  # sizzling: it jumps about
            paste(f, obj, cx + jit[0], cy + jit[1])
            on = np.sin(phase + 2 * np.pi * 3 * speed * t) > 0.2  # bubbles pop in and out, also on the object
            dots(f, bx[on], by[on], self.look.fry[0], radius=max(1, self.u(0.02)))
            sy = cy - R * 0.5 - ((steam_p + 0.6 * speed * t) % 1.0) * self.u(0.45)  # steam rises
            dots(f, steam_x + 2 * np.sin(sy * 0.3), sy, self.look.fry[1], radius=1)
            yield f

    # ---- the "hard" style's further verbs ----------------------------------------------------------
    def _mash(self, noun, size, speed, n):  # in a bowl, squashed flat again and again by a masher
        bg, cx, cy = self.background()
        paste(bg, _box(self.u(0.9), self.u(1.15), self.look.bowl[0], rim=self.look.bowl[1], power=2), cx, cy)
        rgb, a = noun_sprite(noun, size, self.rng, self.nouns)
        h = a.shape[0]
        for i in range(n):
            press = 0.5 - 0.5 * np.cos(2 * np.pi * 1.2 * speed * i / self.fps)  # 0 up .. 1 pressed
            squash = 1 - 0.45 * press * min(1.0, 0.4 + i / max(n, 1))  # flatter as the step goes on
            rows = np.minimum((np.arange(max(2, int(h * squash))) / squash).astype(int), h - 1)
            f = bg.copy()
            paste(f, (rgb[rows], a[rows]), cx, cy + h * (1 - squash) / 2)
            top = cy + h / 2 - h * squash
            line(f, (cx - self.u(0.15), top), (cx + self.u(0.15), top), self.look.tool, radius=max(1, self.u(0.02)))
            line(f, (cx, top), (cx, top - self.u(0.4)), self.look.tool, radius=max(1, self.u(0.015)))
            yield f

    def _grate(self, noun, size, speed, n):  # rubbed up and down a grater, shreds pile up below
        bg, cx, cy = self.background()
        gw, gh = self.u(0.28), self.u(0.8)
        grater = _box(gh, gw, self.look.tool, rim=(70, 70, 75), power=12)
        grater[0][::max(2, self.u(0.05)), ::max(2, self.u(0.05))] = (40, 40, 45)  # its holes
        gx = cx - self.u(0.2)
        paste(bg, grater, gx, cy)
        obj = noun_sprite(noun, int(size * 0.7), self.rng, self.nouns)
        shreds: list[tuple[float, float]] = []
        skin = self.nouns[noun]
        for i in range(n):
            y = cy + 0.3 * gh * np.sin(2 * np.pi * 1.5 * speed * i / self.fps)
            f = bg.copy()
            if i % 3 == 0:
                shreds.append((gx + self.rng.uniform(-gw / 2, gw / 2), self.H - self.rng.uniform(1, self.u(0.12))))
            if shreds:
                xs, ys = np.array(shreds).T
                dots(f, xs, ys, skin, radius=max(1, self.u(0.01)))
            paste(f, obj, gx + gw / 2 + obj[1].shape[1] / 2 - self.u(0.05), y)
            yield f

    def _sprinkle(self, noun, size, speed, n):  # on a plate, a shaker above it shakes, grains fall
        bg, cx, cy = self.background()
        fill, rim = self.look.dests.get("on the plate", ((245, 245, 240), (185, 185, 190)))
        paste(bg, _box(self.u(0.5), self.u(1.1), fill, rim=rim, power=2), cx, cy + self.u(0.12))
        obj = noun_sprite(noun, int(size * 0.8), self.rng, self.nouns)
        paste(bg, obj, cx, cy + self.u(0.05))
        shaker = _box(self.u(0.22), self.u(0.12), self.look.tool, rim=(60, 60, 65), power=6)
        k = 30
        gx, g0 = self.rng.uniform(-1, 1, k), self.rng.uniform(0, 1, k)
        for i in range(n):
            t = i / self.fps
            sx = cx + self.u(0.12) * np.sin(2 * np.pi * 2.0 * speed * t)
            f = bg.copy()
            top = cy - self.u(0.42)
            fall = (g0 + 1.2 * speed * t) % 1.0
            dots(f, sx + gx * self.u(0.08) * (1 + fall), top + fall * self.u(0.45), (30, 30, 30), radius=0)
            dots(f, sx - gx * self.u(0.06) * (1 + fall), top + ((fall + 0.5) % 1.0) * self.u(0.45), (250, 250, 250),
                 radius=0)
            paste(f, shaker, sx, top - self.u(0.08))
            yield f

    def _roll(self, noun, size, speed, n):  # rolled back and forth across a board, turning as it goes
        bg, cx, cy = self.background()
        fill, rim, grain = self.look.board
        board = _box(self.u(0.6), int(self.W * 0.95 * self.zoom), fill, rim=rim, power=10)
        board[0][:, ::4] = grain
        paste(bg, board, cx, cy + self.u(0.15))
        obj = noun_sprite(noun, int(size * 0.75), self.rng, self.nouns)
        radius = max(obj[1].shape) / 2
        amp = self.W * 0.25
        for i in range(n):
            x = amp * np.sin(2 * np.pi * 0.6 * speed * i / self.fps)
            f = bg.copy()
            paste(f, rotate(obj, x / radius), cx + x, cy)
            yield f

    def _flip(self, noun, size, speed, n):  # tossed up out of a pan, turning over in the air
        bg, cx, cy = self.background()
        R = self.u(0.42)
        fill, rim, handle = self.look.pan
        paste(bg, _box(R, 2 * R, fill, rim=rim, power=4), cx, cy + self.u(0.28))
        line(bg, (cx + R, cy + self.u(0.28)), (cx + R + self.u(0.3), cy + self.u(0.2)), handle, radius=max(1, self.u(0.02)))
        obj = noun_sprite(noun, int(size * 0.75), self.rng, self.nouns)
        for i in range(n):
            phase = (0.9 * speed * i / self.fps) % 1.0
            up = np.sin(np.pi * phase)  # 0 in the pan .. 1 at the top
            f = bg.copy()
            paste(f, rotate(obj, np.pi * phase), cx, cy + self.u(0.1) - up * self.u(0.45))
            yield f

    def _bake(self, noun, size, speed, n):  # in an oven behind glass, a glow pulsing, browning slowly
        bg, cx, cy = self.background()
        oven = _box(self.u(0.95), self.u(1.3), (45, 42, 40), rim=(110, 110, 115), power=12)
        paste(bg, oven, cx, cy)
        win = _box(self.u(0.6), self.u(0.95), (70, 50, 35), power=10)
        paste(bg, win, cx, cy)
        rgb, a = noun_sprite(noun, int(size * 0.6), self.rng, self.nouns)
        brown = np.array([120, 70, 30], np.float32)
        wh, ww = win[1].shape
        for i in range(n):
            t = i / self.fps
            done = min(1.0, i / max(n, 1))
            cur = (rgb.astype(np.float32) * (1 - 0.5 * done) + brown * 0.5 * done).astype(np.uint8)
            f = bg.copy()
            glow = 0.5 + 0.5 * np.sin(2 * np.pi * 0.8 * speed * t)
            y0, x0 = int(round(cy - wh / 2)), int(round(cx - ww / 2))
            region = f[max(y0, 0):y0 + wh, max(x0, 0):x0 + ww]
            region[:] = np.clip(region.astype(np.float32) + glow * np.array([70, 30, 0], np.float32), 0, 255).astype(np.uint8)
            paste(f, (cur, a), cx, cy + self.u(0.05))
            line(f, (cx - ww / 2, cy + wh / 2 - 2), (cx + ww / 2, cy + wh / 2 - 2), (150, 150, 155), radius=1)  # the rack
            yield f
