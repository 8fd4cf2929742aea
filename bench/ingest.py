"""Ingest throughput in x-real-time (seconds of video per second of wall time).

Measures, on generated 320x240 and 1280x720 30 fps H.264 videos (ffmpeg's testsrc2 pattern),
for S3D (random weights) at each `--sizes` and the frame backbone efficientnet_lite0 (its
packaged ImageNet weights, 3 frames per clip) at 224 px:
  - decode only: PyAV decode + 20 fps resampling + resize/crop to the backbone's input;
  - backbone alone: preprocess + forward on ready uint8 clips, as x-real-time;
  - full ingest: `ingest_video` (decode thread overlapped with the backbone);
  - full / alone: >= 85% means decoding is not the bottleneck; decode share: the wall time
    decoding alone would take, as a share of the full ingest's (full-xRT / decode-xRT).

    python bench/ingest.py [--seconds 20] [--sizes 112 224] [--backbones s3d efficientnet_lite0]

Targets (issue 2, 2-core CPU): decode >= 50x on 320x240, >= 12x on 720p; full ingest S3D-224
>= 1.2x, S3D-112 >= 4x, and >= 85% of S3D alone.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import av
import torch

from videobert.ingest import IngestConfig, ingest_video
from videobert.ingest.backbones import create_backbone
from videobert.ingest.decode import ClipReader
from videobert.ingest.pipeline import _autocast


def make_video(path: str, width: int, height: int, seconds: int, fps: int = 30) -> str:
    src = av.open(f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}", format="lavfi")
    out = av.open(path, "w")
    s = out.add_stream("libx264", rate=fps)
    s.width, s.height, s.pix_fmt = width, height, "yuv420p"
    s.options = {"preset": "medium", "crf": "23"}
    for frame in src.decode(video=0):
        frame.pts = None
        for p in s.encode(frame.reformat(format="yuv420p")):
            out.mux(p)
    for p in s.encode():
        out.mux(p)
    out.close()
    src.close()
    return path


def decode_xrt(path: str, size: int, resize) -> tuple[float, float]:
    r = ClipReader(path, size, resize)
    t = time.perf_counter()
    n = sum(1 for _ in r)
    dt = time.perf_counter() - t
    return float(r.duration) / dt, n


def backbone_alone_xrt(backbone, batch_size: int, precision: str, batches: int = 2) -> float:
    clips = torch.randint(0, 256, (batch_size, 30, backbone.input_size, backbone.input_size, 3), dtype=torch.uint8)
    with torch.inference_mode(), _autocast(backbone, precision):
        backbone(backbone.preprocess(clips[:1]))  # warm-up (oneDNN primitive creation)
        t = time.perf_counter()
        for _ in range(batches):
            feats = backbone(backbone.preprocess(clips))
        feats.float().cpu()  # waits for the GPU
        dt = time.perf_counter() - t
    return batches * batch_size * 1.5 / dt  # clips are 1.5 s of video


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=20, help="length of each test video")
    ap.add_argument("--sizes", type=int, nargs="+", default=[112, 224], help="S3D crops")
    ap.add_argument("--backbones", nargs="+", default=["s3d", "efficientnet_lite0"], choices=["s3d", "efficientnet_lite0"])
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--precision", default="auto", help="auto = fp32 on CPU, bf16/fp16 on CUDA; bf16 = CPU autocast")
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cpus, "
          f"load average {os.getloadavg()[0]:.1f}, device {'cuda' if torch.cuda.is_available() else 'cpu'}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        videos = {res: make_video(os.path.join(tmp, f"{res[0]}x{res[1]}.mp4"), *res, args.seconds)
                  for res in [(320, 240), (1280, 720)]}
        runs = [("s3d", "random", size) for size in args.sizes if "s3d" in args.backbones]
        runs += [("efficientnet_lite0", "imagenet", 224)] if "efficientnet_lite0" in args.backbones else []
        for name, weights, size in runs:
            cfg = IngestConfig(backbone=name, weights=weights, size=size, batch_size=args.batch_size,
                               precision=args.precision)
            backbone = create_backbone(name, weights, size, cfg.device,
                                       **({"frames": cfg.frames} if cfg.frames else {}))
            alone = backbone_alone_xrt(backbone, args.batch_size, args.precision)
            label = f"{'S3D' if name == 's3d' else 'EffNet-L0'}-{size}"
            for res, path in videos.items():
                dec, n = decode_xrt(path, size, backbone.resize)
                t = time.perf_counter()
                rec = ingest_video(path, cfg, backbone=backbone)
                full = rec.duration / (time.perf_counter() - t)
                rows.append((f"{res[0]}x{res[1]}", label, n, dec, alone, full, full / alone, full / dec))
                print(f"{res[0]}x{res[1]} {label}: decode {dec:.1f}x  backbone alone {alone:.2f}x  "
                      f"full {full:.2f}x  full/alone {full / alone:.0%}  decode share {full / dec:.0%}", flush=True)
    print("\ninput      backbone      clips  decode-xRT  alone-xRT  full-xRT  full/alone  decode-share")
    for r in rows:
        print(f"{r[0]:<10} {r[1]:<13} {r[2]:>5} {r[3]:>10.1f} {r[4]:>10.2f} {r[5]:>9.2f} {r[6]:>10.0%} {r[7]:>12.0%}")
    print("targets: decode >= 50x (320x240), >= 12x (720p); full S3D-224 >= 1.2x, S3D-112 >= 4x; full/alone >= 85%")


if __name__ == "__main__":
    main()
