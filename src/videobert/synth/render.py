"""Pixels of the synthetic kitchen: each noun has a look, each verb a prop and a motion.

Nouns are sprites (colour + shape + texture) drawn once per step; verbs are props and
motions composited per frame (cut: a knife chopping while the object splits; stir: a bowl,
the object circling, a spoon; pour: a tilting jug with a stream; peel: a peeler sweeping,
the skin turning pale and strips flying off; wash: a sink, falling drops, the object
shaking; fry: a pan, jitter, bubbles and rising steam). Idle stretches show the empty
board with resting hands. Everything scales with the frame height (designed at 160x120)
and is drawn with numpy slicing on small regions, so a frame costs well under a millisecond.

Coordinates are pixels, x to the right, y down; sprites are (rgb uint8 (h, w, 3), alpha
bool (h, w)) pairs pasted by their centre.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

Sprite = tuple[np.ndarray, np.ndarray]

NOUN_COLOURS = {  # base colour of each noun's skin; distinct hues on purpose
    "tomato": (205, 35, 30), "onion": (215, 175, 215), "carrot": (245, 125, 20),
    "potato": (150, 105, 60), "egg": (248, 242, 228), "pepper": (40, 165, 45),
    "bread": (215, 165, 95), "cheese": (250, 215, 45),
}


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalized coordinates u (x), v (y) in [-1, 1] over an (h, w) box, each (h, w)."""
    v, u = np.mgrid[0:h, 0:w].astype(np.float32)
    return (u + 0.5) / w * 2 - 1, (v + 0.5) / h * 2 - 1


def _finish(shade: np.ndarray, colour, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(h, w) shading x base colour, with a little per-step grain so no two steps are identical."""
    grain = 1 + 0.05 * rng.standard_normal(shade.shape).astype(np.float32)
    rgb = np.asarray(colour, np.float32) * (shade * grain)[..., None]  # (h, w, 3)
    return np.clip(rgb, 0, 255)


def noun_sprite(noun: str, size: int, rng: np.random.Generator) -> Sprite:
    """The noun's look at about `size` pixels: shape, colour and texture differ per noun."""
    col = NOUN_COLOURS[noun]
    if noun == "tomato":  # red ball, highlight, green calyx
        u, v = _grid(size, size)
        r2 = u * u + v * v
        mask = r2 < 0.9
        rgb = _finish(1.05 - 0.4 * r2 + 0.5 * np.exp(-((u + 0.35) ** 2 + (v + 0.35) ** 2) / 0.03), col, mask, rng)
        calyx = (u / 0.35) ** 2 + ((v + 0.82) / 0.14) ** 2 < 1
        rgb[calyx] = (40, 120, 30)
        mask |= calyx
    elif noun == "onion":  # pale purple bulb with a pointed top and meridian stripes
        u, v = _grid(size, size)
        body = u * u + (v - 0.15) ** 2 < 0.72
        tip = (v < -0.3) & (np.abs(u) < 0.45 * (v + 1.0))
        mask = body | tip
        stripes = 0.82 + 0.18 * np.cos(16 * u / np.sqrt(np.maximum(1 - (v - 0.15) ** 2, 0.05)))
        rgb = _finish(stripes * (1.05 - 0.25 * (u * u + v * v)), col, mask, rng)
    elif noun == "carrot":  # long orange cone with ridges and green leaves at the wide end
        h, w = max(4, int(size * 0.6)), int(size * 1.45)
        u, v = _grid(h, w)
        body = (u > -0.72) & (np.abs(v) < 0.85 * (1 - (u + 0.72) / 1.8))
        leaves = (u <= -0.72) & (np.abs(v) < 0.7) & (np.sin(v * 22 + u * 6) > -0.2)
        mask = body | leaves
        rgb = _finish((1 - 0.35 * (np.sin(u * 30) > 0.85)) * (1.05 - 0.3 * v * v), col, mask, rng)
        rgb[leaves] = (50, 140, 40)
    elif noun == "potato":  # lumpy brown oval, mottled, with dark eyes
        h, w = int(size * 0.78), int(size * 1.1)
        u, v = _grid(h, w)
        ang = np.arctan2(v, u)
        mask = u * u + v * v < 0.85 * (1 + 0.08 * np.sin(3 * ang + rng.uniform(0, 6)))
        mottle = 1 + 0.12 * np.sin(7 * u + 3) * np.sin(6 * v + 1)
        rgb = _finish(mottle * (1.1 - 0.3 * (u * u + v * v)), col, mask, rng)
        for _ in range(6):
            ex, ey = rng.uniform(-0.6, 0.6, 2)
            rgb[(u - ex) ** 2 + ((v - ey) * 1.4) ** 2 < 0.012] = (70, 45, 25)
    elif noun == "egg":  # smooth cream oval, narrower at the top
        h, w = size, int(size * 0.78)
        u, v = _grid(h, w)
        mask = (u / (0.8 + 0.15 * v)) ** 2 + v * v < 0.92
        rgb = _finish(1.0 - 0.2 * (u * u + v * v) + 0.15 * np.exp(-((u + 0.3) ** 2 + (v + 0.4) ** 2) / 0.05), col, mask, rng)
    elif noun == "pepper":  # green bell with vertical lobes and a dark stem
        h, w = size, int(size * 0.9)
        u, v = _grid(h, w)
        body = (u / 0.85) ** 4 + ((v - 0.2) / 0.75) ** 4 < 1
        stem = (np.abs(u) < 0.12) & (v < -0.45)
        mask = body | stem
        rgb = _finish(0.7 + 0.35 * np.cos(u * 2.5 * np.pi) ** 2, col, mask, rng)
        rgb[stem] = (30, 80, 25)
    elif noun == "bread":  # loaf: pale crumb, dark crust rim, diagonal slashes
        h, w = int(size * 0.7), int(size * 1.25)
        u, v = _grid(h, w)
        mask = (u / 0.95) ** 6 + (v / 0.9) ** 2 < 1
        inner = (u / 0.75) ** 6 + ((v + 0.05) / 0.6) ** 2 < 1
        slash = inner & (np.sin((u + 0.5 * v) * 14) > 0.85)
        rgb = _finish(np.where(inner, 1.08, 0.62), col, mask, rng)
        rgb[slash] = (150, 90, 40)
    elif noun == "cheese":  # yellow wedge with holes
        h, w = int(size * 0.8), int(size * 1.15)
        u, v = _grid(h, w)
        mask = (v > -0.85 * u - 0.1) & (v < 0.9) & (u < 0.95)
        rgb = _finish(np.ones_like(u), col, mask, rng)
        for _ in range(7):
            hx, hy, hr = rng.uniform(0.0, 0.8), rng.uniform(-0.2, 0.75), rng.uniform(0.01, 0.03)
            rgb[(u - hx) ** 2 + (v - hy) ** 2 < hr] = (205, 150, 20)
    else:
        raise ValueError(f"unknown noun {noun!r}; known: {sorted(NOUN_COLOURS)}")
    return rgb.astype(np.uint8), mask


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


def _ellipse(h: int, w: int, colour, rim=None) -> Sprite:
    return _box(h, w, colour, rim, power=2.0)


class Scene:
    """One video's kitchen: wall and counter colours fixed per video, the rest varied per step."""

    def __init__(self, width: int, height: int, fps: int, rng: np.random.Generator):
        self.W, self.H, self.fps, self.rng = width, height, fps, rng
        H, W = height, width
        wall = np.array([215, 205, 185]) * rng.uniform(0.8, 1.05) + rng.uniform(-15, 15, 3)
        counter = np.array([120, 95, 75]) * rng.uniform(0.75, 1.2) + rng.uniform(-12, 12, 3)
        y, x = np.mgrid[0:H, 0:W].astype(np.float32)
        img = np.empty((H, W, 3), np.float32)
        top = y < 0.3 * H
        tiles = ((y % max(H // 8, 2)) < 1) | ((x % max(H // 8, 2)) < 1)
        img[:] = counter
        img *= (1 + 0.06 * np.sin(y * 0.9 + 3 * np.sin(x * 0.05)))[..., None]  # wood grain
        img[top] = wall
        img[top & tiles] = wall * 0.85
        self.base = np.clip(img, 0, 255).astype(np.uint8)

    def u(self, a: float) -> int:
        """`a` frame heights in pixels (all sizes scale with the height)."""
        return max(1, int(round(a * self.H)))

    def background(self, board: bool = True, sink: bool = False) -> tuple[np.ndarray, float, float]:
        """A step's static background and its work-surface centre (cx, cy), jittered per step."""
        rng, W, H = self.rng, self.W, self.H
        img = (self.base.astype(np.float32) * rng.uniform(0.9, 1.1)).clip(0, 255).astype(np.uint8)
        cx, cy = W * (0.5 + rng.uniform(-0.05, 0.05)), H * (0.64 + rng.uniform(-0.03, 0.03))
        if sink:
            paste(img, _box(self.u(0.62), int(W * 0.8), (125, 130, 140), rim=(175, 180, 190), power=6), cx, cy)
            paste(img, _box(self.u(0.12), self.u(0.06), (160, 165, 175)), cx, self.u(0.06))  # faucet
        elif board:
            shade = np.array([205, 165, 115]) * rng.uniform(0.85, 1.1)
            paste(img, _box(self.u(0.58), int(W * 0.78), tuple(shade.clip(0, 255)), rim=tuple((shade * 0.8).clip(0, 255)), power=10), cx, cy)
        return img, cx, cy

    # ---- idle and steps: generators of frames ----------------------------------------------
    def idle(self, n: int) -> Iterator[np.ndarray]:
        bg, cx, cy = self.background()
        hand = _box(self.u(0.17), self.u(0.3), (230, 180, 140), rim=(200, 150, 115), power=4)
        dx = self.W * self.rng.uniform(0.28, 0.36)
        for i in range(n):
            f = bg.copy()
            breath = np.sin(2 * np.pi * i / (2.5 * self.fps))  # hands move a pixel or so
            paste(f, hand, cx - dx, cy + self.u(0.2) + breath)
            paste(f, hand, cx + dx, cy + self.u(0.2) - breath)
            yield f

    def step(self, verb: str, noun: str, n: int) -> Iterator[np.ndarray]:
        draw = getattr(self, f"_{verb}", None)
        if draw is None:
            raise ValueError(f"unknown verb {verb!r}")
        rng = self.rng
        size = self.u(0.5 * rng.uniform(0.85, 1.15))
        speed = rng.uniform(0.75, 1.3)  # motions' rate varies per step
        flip = rng.random() < 0.5  # mirror the whole step (props left or right)
        for f in draw(noun, size, speed, n):
            yield f[:, ::-1] if flip else f

    def _cut(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        rgb, a = noun_sprite(noun, size, self.rng)
        w = a.shape[1]
        left, right = (rgb[:, : w // 2], a[:, : w // 2]), (rgb[:, w // 2:], a[:, w // 2:])
        blade = _box(self.u(0.3), self.u(0.07), (205, 210, 220), rim=(120, 125, 135), power=6)
        handle = _box(self.u(0.16), self.u(0.08), (90, 50, 20))
        hh = a.shape[0]
        for i in range(n):
            t = i / self.fps
            f = bg.copy()
            gap = min(1.0, 1.5 * i / n) * 0.3 * size  # the object splits apart as it is cut
            paste(f, left, cx - w / 4 - gap / 2, cy)
            paste(f, right, cx + w / 4 + gap / 2, cy)
            chop = 0.5 - 0.5 * np.cos(2 * np.pi * 1.4 * speed * t)  # 0 = up, 1 = down
            tip = cy - hh / 2 - self.u(0.06) + chop * (hh * 0.8 + self.u(0.06))
            paste(f, blade, cx, tip - self.u(0.15))
            paste(f, handle, cx, tip - self.u(0.37))
            yield f

    def _stir(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        paste(bg, _ellipse(self.u(0.5), self.u(0.85), (70, 100, 160), rim=(150, 175, 215)), cx, cy)
        obj = noun_sprite(noun, int(size * 0.75), self.rng)
        rx, ry = self.u(0.2), self.u(0.08)
        for i in range(n):
            th = 2 * np.pi * 1.0 * speed * i / self.fps
            f = bg.copy()
            paste(f, obj, cx + rx * np.cos(th), cy + ry * np.sin(th))
            hx, hy = cx + rx * np.cos(th + np.pi), cy + ry * np.sin(th + np.pi)
            line(f, (hx, hy), (hx + self.u(0.3), hy - self.u(0.45)), (140, 90, 40), radius=max(1, self.u(0.012)))
            dots(f, [hx], [hy], (160, 110, 60), radius=max(1, self.u(0.03)))
            yield f

    def _pour(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        obj = noun_sprite(noun, size, self.rng)
        paste(bg, obj, cx, cy + self.u(0.08))
        jw, jh = self.u(0.22), self.u(0.36)
        px, py = cx - self.u(0.28), cy - self.u(0.22)  # the jug's pivot (its bottom-right corner)
        R = self.u(0.45)
        poured = 0  # frames of pouring so far: a puddle spreads under the object
        yy, xx = np.mgrid[-R:R, -R:R].astype(np.float32) + 0.5  # a window centred on the pivot
        jug = np.empty((2 * R, 2 * R, 3), np.uint8)
        splash_y = cy + self.u(0.08) - obj[1].shape[0] / 2
        for i in range(n):
            t = i / self.fps
            ang = np.deg2rad(15 + 60 * (0.5 - 0.5 * np.cos(2 * np.pi * 0.45 * speed * t)))
            c, s = np.cos(ang), np.sin(ang)
            # jug-local coordinates: rotate the window back by the tilt
            lx, ly = c * xx + s * yy, -s * xx + c * yy
            inside = (lx > -jw) & (lx < 0) & (ly > -jh) & (ly < 0)
            rim = inside & ((lx > -2) | (lx < -jw + 2) | (ly > -2))
            f = bg.copy()
            jug[:] = (160, 200, 235)
            jug[rim] = (60, 80, 110)
            paste(f, (jug, inside), px, py)
            if poured:
                pw = min(2 * R, self.u(0.2) + poured)
                paste(f, _ellipse(max(2, pw // 3), pw, (185, 215, 240)), cx, cy + self.u(0.08) + obj[1].shape[0] / 2 - 2)
                paste(f, obj, cx, cy + self.u(0.08))
            if ang > np.deg2rad(40):  # the lip (top-right corner) is low enough: it pours
                poured += 1
                lipx, lipy = px + s * jh, py - c * jh  # jug-local (0, -jh) in frame coordinates
                ys = np.arange(lipy, splash_y, 1.0)
                xs = lipx + 0.6 * np.sin(ys * 0.7 + 5 * t)
                dots(f, xs, ys, (225 + self.rng.integers(0, 30), 240, 255), radius=max(1, self.u(0.015)))
                k = 6
                dots(f, lipx + self.rng.uniform(-6, 6, k), splash_y + self.rng.uniform(-4, 2, k), (240, 250, 255), 0)
            yield f

    def _peel(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        rgb, a = noun_sprite(noun, size, self.rng)
        pale = (rgb.astype(np.float32) * 0.55 + np.array([250, 235, 190]) * 0.45).astype(np.uint8)
        h, w = a.shape
        skin = tuple(int(x * 0.8) for x in NOUN_COLOURS[noun])
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
                strips.append([pxx, pyy, rng.uniform(-2.0, 2.0), rng.uniform(-2.5, -1.0)])
            for s_ in strips:
                s_[0] += s_[2]
                s_[1] += s_[3]
                s_[3] = min(s_[3] + 0.25, 3.0) if s_[1] < cy + h / 2 + 4 else 0.0
                s_[2] = s_[2] if s_[3] else 0.0
                line(f, (s_[0] - 3, s_[1] - 1), (s_[0] + 3, s_[1] + 1), skin, radius=1)
            line(f, (pxx, pyy - self.u(0.05)), (pxx + self.u(0.06), pyy - self.u(0.3)), (30, 30, 30), radius=max(1, self.u(0.015)))
            dots(f, [pxx], [pyy], (190, 195, 205), radius=max(1, self.u(0.02)))
            yield f

    def _wash(self, noun, size, speed, n):
        bg, cx, cy = self.background(sink=True)
        obj = noun_sprite(noun, size, self.rng)
        k = 70
        rng = self.rng
        dx = rng.uniform(-self.u(0.18), self.u(0.18), k)
        y0, top, span = rng.uniform(0, 1, k), self.u(0.12), cy + self.u(0.2) - self.u(0.12)
        v = self.H * 1.6 / self.fps  # falling speed, pixels per frame
        for i in range(n):
            t = i / self.fps
            f = bg.copy()
            paste(f, obj, cx + self.u(0.07) * np.sin(2 * np.pi * 2.5 * speed * t), cy)
            ys = top + (y0 * span + v * i) % span
            dots(f, cx + dx, ys, (150, 200, 255), radius=1)
            yield f

    def _fry(self, noun, size, speed, n):
        bg, cx, cy = self.background()
        R = self.u(0.36)
        paste(bg, _box(self.u(0.07), self.u(0.4), (25, 25, 25)), cx + R + self.u(0.18), cy)  # handle
        paste(bg, _ellipse(2 * R, 2 * R, (45, 45, 52), rim=(95, 95, 105)), cx, cy)
        obj = noun_sprite(noun, size, self.rng)
        rng = self.rng
        k = 30
        ang, rad = rng.uniform(0, 2 * np.pi, k), R * 0.85 * np.sqrt(rng.uniform(0, 1, k))
        bx, by = cx + rad * np.cos(ang), cy + rad * np.sin(ang)
        phase = rng.uniform(0, 2 * np.pi, k)
        steam_x, steam_p = cx + rng.uniform(-R, R, 8), rng.uniform(0, 1, 8)
        for i in range(n):
            t = i / self.fps
            f = bg.copy()
            jit = rng.integers(-self.u(0.02), self.u(0.02) + 1, 2)
            paste(f, obj, cx + jit[0], cy + jit[1])
            on = np.sin(phase + 2 * np.pi * 3 * speed * t) > 0.2  # bubbles pop in and out
            dots(f, bx[on], by[on], (250, 235, 150), radius=max(1, self.u(0.01)))
            sy = cy - R - ((steam_p + 0.6 * speed * t) % 1.0) * self.u(0.35)  # steam rises
            dots(f, steam_x + 2 * np.sin(sy * 0.3), sy, (235, 235, 235), radius=1)
            yield f
