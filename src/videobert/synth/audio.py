"""Narration audio: espeak-ng speaks each caption, placed at its start on a 16 kHz mono track."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave

import numpy as np

RATE = 16000


def espeak_path() -> str | None:
    return shutil.which("espeak-ng")


class Narrator:
    """Speaks sentences with espeak-ng (160 words/min, `voice` en-us by default); caches each distinct sentence."""

    def __init__(self, exe: str, voice: str = "en-us"):
        self.exe, self.voice = exe, voice
        self._cache: dict[str, np.ndarray] = {}

    def speak(self, text: str) -> np.ndarray:
        """(n,) float32 samples at 16 kHz in [-1, 1]."""
        if text not in self._cache:
            fd, tmp = tempfile.mkstemp(suffix=".wav")
            os.close(fd)
            try:
                subprocess.run([self.exe, "-v", self.voice, "-s", "160", "-w", tmp, text],
                               check=True, capture_output=True, timeout=60)
                with wave.open(tmp, "rb") as w:
                    if w.getsampwidth() != 2 or w.getnchannels() != 1:
                        raise RuntimeError(f"espeak-ng wrote an unexpected wav ({w.getnchannels()} ch, {8 * w.getsampwidth()} bit)")
                    rate = w.getframerate()
                    x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
            finally:
                os.unlink(tmp)
            n = int(len(x) * RATE / rate)  # linear resampling is plenty for speech at 16 kHz
            self._cache[text] = np.interp(np.arange(n) * rate / RATE, np.arange(len(x)), x).astype(np.float32)
        return self._cache[text]

    def track(self, cues, duration: float) -> np.ndarray:
        """(round(duration * 16000),) float32: every cue's speech at its start, cut at its end.

        Cues never overlap (see `script.make_script`), so cutting at the end keeps speakers apart.
        """
        out = np.zeros(int(round(duration * RATE)), np.float32)
        for c in cues:
            a, b = int(round(c.start * RATE)), min(int(round(c.end * RATE)), len(out))
            x = self.speak(c.text)[: max(b - a, 0)]
            out[a:a + len(x)] += x
        return out
