"""Word error rate and speed of the offline ASR engines on the synthetic narration.

Generates narrated videos with `videobert synth` (espeak-ng speech; or reads an existing synth
folder), transcribes each video's audio track with pocketsphinx and with Whisper (default: the
packaged tiny.en of `videobert[whisper-offline]`), and scores each transcript against the
narration the synth spoke (ground_truth.json, the same text as the .vtt captions):

  - WER: word-level edit distance / reference words, summed over videos; both sides lowercased,
    punctuation dropped, digits 0-999 spelled out (`normalize_numbers`) before comparing;
  - sentences: how many sentences `split_sentences` made from the ASR words vs narration cues;
    start err: mean |sentence start - cue start| over the videos where the two counts match;
  - x-real-time: seconds of audio per second of transcription (model load excluded, audio
    decode included; OMP/torch threads as set in the environment, Whisper at most 2 threads).

    OMP_NUM_THREADS=1 python bench/asr_wer.py [--videos 8] [--style kitchen|studio]
        [--synth DIR] [--whisper-model packaged|NAME|DIR] [--engines pocketsphinx whisper]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from videobert.ingest.asr import load_whisper, pocketsphinx_words, read_audio, whisper_words
from videobert.ingest.numbers import normalize_numbers
from videobert.ingest.sentences import split_sentences


def norm_words(text: str) -> list[str]:
    text = normalize_numbers(text.lower()).replace("-", " ")
    return re.sub(r"[^a-z0-9' ]+", " ", text).split()


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synth", help="an existing `videobert synth` folder (with audio); default: generate one")
    ap.add_argument("--videos", type=int, default=8)
    ap.add_argument("--style", default="kitchen")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--whisper-model", default="packaged")
    ap.add_argument("--engines", nargs="+", default=["pocketsphinx", "whisper"])
    ap.add_argument("--show", type=int, default=1, help="print reference and hypotheses for this many videos")
    args = ap.parse_args()

    tmp = None if args.synth else tempfile.TemporaryDirectory(prefix="asr_wer_")
    try:
        return run(args, Path(args.synth) if args.synth else Path(tmp.name) / "synth")
    finally:
        if tmp is not None:
            tmp.cleanup()


def run(args: argparse.Namespace, synth: Path) -> int:
    if not (synth / "ground_truth.json").is_file():
        subprocess.run([sys.executable, "-m", "videobert", "synth", str(synth), "--videos", str(args.videos),
                        "--style", args.style, "--seed", str(args.seed)], check=True)
    gt = json.loads((synth / "ground_truth.json").read_text())
    if not gt.get("audio"):
        sys.exit(f"{synth} has no narration audio (made with --no-audio, or espeak-ng missing)")
    videos = gt["videos"][: args.videos] if args.synth else gt["videos"]

    engines = {}
    for e in args.engines:
        if e == "pocketsphinx":
            engines[e] = pocketsphinx_words
        elif e == "whisper":
            t = time.perf_counter()
            load_whisper(args.whisper_model, "cpu")
            print(f"whisper model {args.whisper_model!r} loaded in {time.perf_counter() - t:.1f} s")
            engines[e] = lambda s: whisper_words(s, args.whisper_model, "cpu")
        else:
            sys.exit(f"unknown engine {e!r}")

    stats = {e: {"err": 0, "ref": 0, "sec": 0.0, "audio": 0.0, "sents": 0, "cues": 0, "dstart": 0.0, "nstart": 0}
             for e in engines}
    for k, v in enumerate(videos):
        ref = norm_words(" ".join(c["text"] for c in v["narration"]))
        path = synth / f"{v['video_id']}.mp4"
        for e, fn in engines.items():
            t = time.perf_counter()
            samples = read_audio(str(path))
            words = fn(samples)
            dt = time.perf_counter() - t
            hyp = norm_words(" ".join(w.text for w in words))
            st = stats[e]
            st["err"] += edit_distance(ref, hyp)
            st["ref"] += len(ref)
            st["sec"] += dt
            st["audio"] += len(samples) / 16000
            sents = split_sentences(words, split_at_pauses=True)
            st["sents"] += len(sents)
            st["cues"] += len(v["narration"])
            if len(sents) == len(v["narration"]):
                st["dstart"] += sum(abs(s.start - c["start"]) for s, c in zip(sents, v["narration"]))
                st["nstart"] += len(sents)
            if k < args.show:
                print(f"[{v['video_id']}] {e:12s}: {' '.join(hyp)}")
        if k < args.show:
            print(f"[{v['video_id']}] {'reference':12s}: {' '.join(ref)}")

    print(f"\n{len(videos)} videos ({args.style if not args.synth else synth}), "
          f"{sum(s['audio'] for s in list(stats.values())[:1]):.0f} s of audio")
    print(f"{'engine':28s} {'WER':>6s} {'ref words':>9s} {'x-real-time':>11s} {'sentences/cues':>15s} "
          f"{'start err':>9s}  (load average {os.getloadavg()[0]:.1f})")
    for e, st in stats.items():
        name = f"whisper ({args.whisper_model})" if e == "whisper" else e
        start_err = f"{st['dstart'] / st['nstart']:.2f} s" if st["nstart"] else "-"
        print(f"{name:28s} {st['err'] / max(1, st['ref']):6.3f} {st['ref']:9d} {st['audio'] / st['sec']:11.1f} "
              f"{st['sents']:9d}/{st['cues']:<5d} {start_err:>9s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
