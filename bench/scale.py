"""Benchmark: the corpus layout, vocabulary and pretraining data path at 1K-100K videos (issue 16, items 2 and 4).

    python bench/scale.py --videos 1000 10000 100000 [--dim 256] [--threads 1] [--out DIR] [--keep]

Per size N, a simulated corpus in the real on-disk format, written with the library's own
`Corpus.write` (two files per video, 256 shards): float16 features around 64 centres
(`--dim`, default 256 so that 100K videos x ~60 clips is ~3 GB), a clip count per video drawn
from a normal of mean 60, sd 20, clipped to [20, 120] (1.5 s clips: 30 s to 3 min), and
narration: sentences of 4-11 words from a kitchen word list, spoken at ~2.5 words/s, gaps of
0.5 s plus an exponential of mean 1.5 s, and in 15% of the gaps 10-30 s of silence. No
video is decoded.

Each stage runs in its own child process (peaks never accumulate across stages), restricted
to `--threads` CPUs (`sched_setaffinity`, `OMP_NUM_THREADS`, `torch.set_num_threads`); the
parent reads each child's peak RSS from `wait4`:

- **write**: `Corpus.init` + `Corpus.write` of every video (fsync'd atomic writes, as ingest does).
- **layout**: files and directories under the corpus, inodes used (statvfs before/after the
  write, so other writers on the filesystem count too), bytes on disk, `Corpus.video_ids()`
  wall time, and opening + reading 1000 random records (`Corpus.read` + the features into
  memory): "cold-ish" after `posix_fadvise(DONTNEED)` on those files (their pages leave the
  page cache; the dentries and inodes stay cached), then warm (the same 1000 again).
- **fit**: `videobert.vocab.fit_vocab` with `--levels` x `--k` (default 2 x 12: 144 words) on a
  sample of at most `--sample` clips (default 1M, the issue's sample at 100K). "fit s" is the
  whole `fit_vocab`, sampling included; "sample s" is the part of it spent drawing the sample
  (`sample_features`: every video's .json for its clip count, then the sampled rows).
- **assign**: `videobert.vocab.assign_corpus`: every clip walks the tree, tokens written per
  video, counts and exemplars; clips/s over all clips. Beside it, the tree walk alone on 200K
  in-memory clips (a control: what the walk costs without the corpus I/O).
- **stream**: the pretraining example stream as `videobert.train.loop` builds it today
  (`_model_and_data` + `BatchStream`): `split_videos` (10% held out), `load_videos` of the
  training videos, `epoch_batches` of epoch 0 with the default `PretrainConfig`; then one
  epoch's data pass: `collate` (masking + padding) of every batch with the generator
  `BatchStream.get` seeds. No model. Peak RSS after building, and after the pass. `split_videos`
  is timed apart; "stream ex/s" is examples / (load + build).
- **streamed** (skipped with `--chunk-videos 0`): the same epoch through `videobert.data.stream.
  StreamingBatches` (`pretrain --stream-chunk-videos C`, default C = 1000 videos), one process,
  as `train.loop._stream` makes it: `epoch_length(0)` first ("streamed count s": one pass of
  example building, what the loop spends before step 1 unless `--max-steps` is given), then
  `get` of every position in order (chunks rebuilt, collated; "streamed ex/s" over that pass).

Rates are given per wall second and per CPU second of the stage process (`time.process_time`,
all its threads): on a shared machine the wall rate moves with the other jobs' load, the CPU
rate much less. Prints one markdown table; rows also go to DIR/scale-results.json as each size finishes. The
corpora are deleted after each size unless `--keep`.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WORDS = ("cut stir pour peel wash fry chop slice add mix whisk bake boil season the a tomato onion carrot "
         "potato egg pepper bread cheese garlic butter oil salt flour sugar small big red green bowl plate "
         "pot pan knife now let's put it in on and then okay so we you i just some little bit into of").split()


# ---- the simulated corpus ------------------------------------------------------------------------
def sentences_for(duration: float, rng: np.random.Generator):
    from videobert.corpus import Sentence

    out, t = [], float(rng.uniform(0.0, 3.0))
    while True:
        n = int(rng.integers(4, 12))  # 4-11 words
        d = n / 2.5 * float(rng.uniform(0.8, 1.25))  # ~150 words a minute
        if t + d > duration:
            return out
        out.append(Sentence(" ".join(rng.choice(WORDS, size=n)), round(t, 3), round(t + d, 3)))
        t += d + 0.5 + float(rng.exponential(1.5))
        if rng.random() < 0.15:  # a stretch of no speech
            t += float(rng.uniform(10.0, 30.0))


def write_corpus(root: Path, videos: int, dim: int, seed: int = 0) -> dict:
    from videobert.corpus import Corpus, VideoRecord

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((64, dim)).astype(np.float32)
    corpus = Corpus(root)
    corpus.init({"backbone": "simulated", "weights": "random", "feature_dim": dim, "clip_frames": 30, "fps": 20,
                 "seed": seed})
    clips = sents = 0
    for v in range(videos):
        r = np.random.default_rng([seed, v])
        n = int(np.clip(round(r.normal(60, 20)), 20, 120))
        feats = centres[r.integers(64, size=n)] + 0.5 * r.standard_normal((n, dim), dtype=np.float32)
        s = sentences_for(n * 1.5, r)
        vid = f"v{v:07d}"
        corpus.write(VideoRecord(video_id=vid, source=f"/data/videos/{vid}.mp4", duration=n * 1.5,
                                 clip_starts=np.arange(n) * 1.5, features=feats.astype(np.float16), sentences=s,
                                 text_source=f"captions:/data/videos/{vid}.vtt"))
        clips += n
        sents += len(s)
        if (v + 1) % 10000 == 0:
            print(f"  wrote {v + 1} videos", file=sys.stderr, flush=True)
    return {"clips": clips, "sentences": sents}


# ---- stages (each in a child process) --------------------------------------------------------------
def stage_write(a) -> dict:
    sv = os.statvfs(a.corpus.parent)
    t = time.perf_counter()
    out = write_corpus(a.corpus, a.n, a.dim)
    out["write_s"] = time.perf_counter() - t
    sv2 = os.statvfs(a.corpus.parent)
    out["inodes_used"] = (sv2.f_files - sv2.f_ffree) - (sv.f_files - sv.f_ffree)
    out["inodes_total"] = sv2.f_files
    return out


def _evict(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def stage_layout(a) -> dict:
    from videobert.corpus import Corpus

    files = dirs = blocks = size = 0
    for d, dn, fn in os.walk(a.corpus):
        dirs += len(dn)
        for f in fn:
            st = os.stat(os.path.join(d, f))
            files += 1
            blocks += st.st_blocks
            size += st.st_size
    corpus = Corpus(a.corpus)
    t = time.perf_counter()
    ids = corpus.video_ids()
    list_s = time.perf_counter() - t
    pick = [ids[i] for i in np.random.default_rng(1).choice(len(ids), min(1000, len(ids)), replace=False)]
    for vid in pick:
        for p in corpus._paths(vid):
            _evict(p)

    def read_all() -> float:
        t = time.perf_counter()
        total = 0.0
        for vid in pick:
            rec = corpus.read(vid)
            total += float(np.asarray(rec.features, dtype=np.float32)[:, 0].sum()) + len(rec.sentences)
        return time.perf_counter() - t

    cold = read_all()
    warm = read_all()
    return {"files": files, "dirs": dirs, "disk_bytes": blocks * 512, "apparent_bytes": size, "list_s": list_s,
            "reads": len(pick), "read_cold_s": cold, "read_warm_s": warm}


def stage_fit(a) -> dict:
    import videobert.vocab.build as build
    from videobert.vocab import VocabConfig, fit_vocab

    timed = {}
    sample = build.sample_features

    def timed_sample(*args, **kw):
        t = time.perf_counter()
        x = sample(*args, **kw)
        timed["sample_s"] = time.perf_counter() - t
        return x

    build.sample_features = timed_sample  # fit_vocab looks the name up in its module: time the sampling apart
    cfg = VocabConfig(levels=a.levels, k=a.k, sample=a.sample)
    t = time.perf_counter()
    vocab = fit_vocab(a.corpus, cfg)
    fit_total = time.perf_counter() - t
    return {"fit_s": fit_total, "sample_s": timed["sample_s"], "fit_sample": vocab.config["sample_used"],
            "words": vocab.num_tokens}


def stage_assign(a) -> dict:
    from videobert.vocab import VisualVocab, assign_corpus

    vocab = VisualVocab.load(a.corpus / "vocab")
    t, c = time.perf_counter(), time.process_time()
    vocab = assign_corpus(a.corpus, vocab)
    assign_s, assign_cpu = time.perf_counter() - t, time.process_time() - c
    clips = int(vocab.counts.sum())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # the stage's peak, before the control's arrays
    # control: the walk alone, on in-memory clips (no corpus reads, no token writes)
    x = np.random.default_rng(2).standard_normal((200_000, vocab.feature_dim)).astype(np.float32)
    x = vocab.prepare(x)
    t = time.perf_counter()
    vocab.assign(x, prepared=True)
    walk_s = time.perf_counter() - t
    return {"assign_s": assign_s, "assigned_clips": clips, "assign_clips_per_s": clips / assign_s,
            "assign_cpu_s": assign_cpu, "assign_clips_per_cpu_s": clips / assign_cpu,
            "walk_clips_per_s": len(x) / walk_s, "rss_assign_kb": rss}


def stage_stream(a) -> dict:
    # as videobert.train.loop does today: _model_and_data (split_videos, load_videos) then
    # BatchStream._load (epoch_batches) and BatchStream.get (collate with the position's generator)
    from transformers import BertTokenizerFast

    from videobert.corpus import Corpus
    from videobert.data import Masker, collate, epoch_batches, load_videos, split_videos
    from videobert.model.init import minilm_dir
    from videobert.model.tokenizer import JointTokenizer
    from videobert.train.config import PretrainConfig
    from videobert.vocab import VisualVocab

    cfg = PretrainConfig()
    corpus = Corpus(a.corpus)
    vocab_dir = a.corpus / "vocab"
    tok = JointTokenizer(BertTokenizerFast.from_pretrained(str(minilm_dir())), VisualVocab.load(vocab_dir).num_tokens)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ids = corpus.video_ids()
    t = time.perf_counter()
    train_ids, _ = split_videos(ids, cfg.heldout_fraction)
    split_s = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    videos = load_videos(corpus, vocab_dir, tok, train_ids, cfg.silent_segment_len)
    load_s, load_cpu = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    batches = epoch_batches(videos, tok, cfg.example_spec, cfg.batch_size, cfg.seed, 0, cfg.bucket_pool)
    build_s, build_cpu = time.perf_counter() - t, time.process_time() - c
    rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    examples = sum(len(b) for b in batches)
    masker = Masker(tok, cfg.mask_rates)
    t, c = time.perf_counter(), time.process_time()
    tokens = 0
    for pos, b in enumerate(batches):
        tokens += int(collate(b, masker, np.random.default_rng([cfg.seed, 1, 0, pos]))["attention_mask"].sum())
    pass_s, pass_cpu = time.perf_counter() - t, time.process_time() - c
    return {"train_videos": len(train_ids), "examples": examples, "batches": len(batches), "tokens": tokens,
            "split_s": split_s, "load_s": load_s, "build_s": build_s, "stream_ex_per_s": examples / (load_s + build_s),
            "pass_s": pass_s, "pass_ex_per_s": examples / pass_s,
            "load_cpu_s": load_cpu, "build_cpu_s": build_cpu, "pass_cpu_s": pass_cpu,
            "stream_ex_per_cpu_s": examples / (load_cpu + build_cpu), "pass_ex_per_cpu_s": examples / pass_cpu,
            "rss_after_imports_kb": rss0, "rss_after_build_kb": rss_build}


def stage_streamed(a) -> dict:
    # the streamed path (`pretrain --stream-chunk-videos C`, videobert.data.stream): what
    # train.loop._stream builds for one process (streams = world x grad_accum = 1), read position
    # by position like the loop; the count first (epoch_length(0)), as the loop does without --max-steps
    from transformers import BertTokenizerFast

    from videobert.corpus import Corpus
    from videobert.data import split_videos
    from videobert.data.stream import StreamingBatches
    from videobert.model.init import minilm_dir
    from videobert.model.tokenizer import JointTokenizer
    from videobert.train.config import PretrainConfig
    from videobert.vocab import VisualVocab

    cfg = PretrainConfig()
    corpus = Corpus(a.corpus)
    vocab_dir = a.corpus / "vocab"
    tok = JointTokenizer(BertTokenizerFast.from_pretrained(str(minilm_dir())), VisualVocab.load(vocab_dir).num_tokens)
    train_ids, _ = split_videos(corpus.video_ids(), cfg.heldout_fraction)
    s = StreamingBatches(corpus, vocab_dir, tok, train_ids, cfg.example_spec, cfg.batch_size, cfg.seed,
                         a.chunk_videos, 1, cfg.bucket_pool, cfg.mask_rates, cfg.silent_segment_len)
    t = time.perf_counter()
    batches = s.epoch_length(0)
    count_s = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    examples = 0
    for pos in range(batches):
        examples += len(s.get(pos)["kinds"])
    pass_s, pass_cpu = time.perf_counter() - t, time.process_time() - c
    s.close()
    return {"streamed_chunks": s.num_chunks, "streamed_examples": examples, "streamed_count_s": count_s,
            "streamed_pass_s": pass_s, "streamed_ex_per_s": examples / pass_s,
            "streamed_pass_cpu_s": pass_cpu, "streamed_ex_per_cpu_s": examples / pass_cpu}


def stage_noop(a) -> dict:
    # the baseline a stage child starts from: the same imports, nothing done
    import transformers  # noqa: F401

    import videobert.data  # noqa: F401
    import videobert.train.config  # noqa: F401
    import videobert.vocab  # noqa: F401
    return {}


STAGES = {"noop": stage_noop, "write": stage_write, "layout": stage_layout, "fit": stage_fit, "assign": stage_assign,
          "stream": stage_stream, "streamed": stage_streamed}


def child_main(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("stage", choices=sorted(STAGES))
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--n", type=int, default=0)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--levels", type=int, default=2)
    p.add_argument("--k", type=int, default=12)
    p.add_argument("--sample", type=int, default=1_000_000)
    p.add_argument("--chunk-videos", type=int, default=1000)
    p.add_argument("--result", type=Path, required=True)
    a = p.parse_args(argv)
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, cpus[: a.threads])  # fit_tree sizes its thread pool from the affinity
    import torch

    torch.set_num_threads(a.threads)
    out = STAGES[a.stage](a)
    a.result.write_text(json.dumps(out))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip the interpreter's teardown: with torch loaded it adds ~0.12 GB to the peak RSS


def run_stage(stage: str, corpus: Path, args, n: int = 0) -> dict:
    """Run one stage in a child process; its results plus wall time and peak RSS (from wait4)."""
    fd, res = tempfile.mkstemp(prefix=f"scale-{stage}-", suffix=".json")
    os.close(fd)
    env = {**os.environ, **{v: str(args.threads) for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                            "OPENBLAS_NUM_THREADS")}}
    cmd = [sys.executable, os.path.abspath(__file__), "_stage", stage, "--corpus", str(corpus), "--n", str(n),
           "--dim", str(args.dim), "--threads", str(args.threads), "--levels", str(args.levels), "--k", str(args.k),
           "--sample", str(args.sample), "--chunk-videos", str(args.chunk_videos), "--result", res]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    try:
        if proc.returncode != 0:
            raise RuntimeError(f"stage {stage} (N={n}) failed with exit status {proc.returncode}: {' '.join(cmd)}")
        out = json.loads(Path(res).read_text())
    finally:
        os.unlink(res)
    out[f"{stage}_wall_s"] = wall
    out[f"{stage}_rss_gb"] = usage.ru_maxrss / 2 ** 20  # KiB -> GiB
    out[f"{stage}_cpu_s"] = usage.ru_utime + usage.ru_stime
    out["load_avg"] = max(out.get("load_avg", 0.0), os.getloadavg()[0])  # the highest a row's stages saw
    print(f"  {stage}: {wall:.1f} s ({out[f'{stage}_cpu_s']:.1f} CPU s), peak RSS {out[f'{stage}_rss_gb']:.2f} GB, "
          f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    return out


# ---- the table -----------------------------------------------------------------------------------
COLUMNS = [  # (header, key, format)
    ("N", "videos", "{:,}"), ("clips", "clips", "{:,}"), ("sentences", "sentences", "{:,}"),
    ("write s", "write_s", "{:.1f}"), ("write RSS GB", "write_rss_gb", "{:.2f}"),
    ("files", "files", "{:,}"), ("inodes used", "inodes_used", "{:,}"), ("disk GB", "disk_gb", "{:.2f}"),
    ("list s", "list_s", "{:.2f}"), ("1000 reads cold s", "read_cold_s", "{:.2f}"),
    ("1000 reads warm s", "read_warm_s", "{:.2f}"),
    ("fit sample", "fit_sample", "{:,}"), ("sample s", "sample_s", "{:.1f}"), ("fit s", "fit_s", "{:.1f}"),
    ("fit RSS GB", "fit_rss_gb", "{:.2f}"),
    ("assign s", "assign_s", "{:.1f}"), ("assign clips/s", "assign_clips_per_s", "{:,.0f}"),
    ("assign clips/CPU-s", "assign_clips_per_cpu_s", "{:,.0f}"), ("walk-only clips/s", "walk_clips_per_s", "{:,.0f}"), ("assign RSS GB", "assign_rss_gb", "{:.2f}"),
    ("examples", "examples", "{:,}"), ("split s", "split_s", "{:.2f}"), ("load s", "load_s", "{:.1f}"), ("build s", "build_s", "{:.1f}"),
    ("stream ex/s", "stream_ex_per_s", "{:,.0f}"), ("stream ex/CPU-s", "stream_ex_per_cpu_s", "{:,.0f}"), ("stream RSS GB", "stream_build_rss_gb", "{:.2f}"),
    ("pass s", "pass_s", "{:.1f}"), ("pass ex/s", "pass_ex_per_s", "{:,.0f}"),
    ("pass ex/CPU-s", "pass_ex_per_cpu_s", "{:,.0f}"), ("pass RSS GB", "stream_rss_gb", "{:.2f}"),
    ("streamed count s", "streamed_count_s", "{:.1f}"), ("streamed pass s", "streamed_pass_s", "{:.1f}"),
    ("streamed ex/s", "streamed_ex_per_s", "{:,.0f}"), ("streamed ex/CPU-s", "streamed_ex_per_cpu_s", "{:,.0f}"), ("streamed RSS GB", "streamed_rss_gb", "{:.2f}"),
    ("load avg", "load_avg", "{:.1f}"),
]


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(h for h, _, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(f.format(r[k]) if k in r else "-" for _, k, f in COLUMNS) + " |")
    return "\n".join(lines)


def measure(n: int, args, work: Path) -> dict:
    corpus = work / f"corpus-{n}"
    if corpus.exists():
        shutil.rmtree(corpus)
    print(f"N = {n:,} videos in {corpus}", file=sys.stderr, flush=True)
    row = {"videos": n, "dim": args.dim, "threads": args.threads, "levels": args.levels, "k": args.k}
    t = time.perf_counter()
    try:
        for stage in ("write", "layout", "fit", "assign", "stream") + (("streamed",) if args.chunk_videos else ()):
            load = max(row.get("load_avg", 0.0), os.getloadavg()[0])
            row.update(run_stage(stage, corpus, args, n))
            row["load_avg"] = max(load, row["load_avg"])
    finally:
        if not args.keep:
            shutil.rmtree(corpus, ignore_errors=True)
    row["total_s"] = time.perf_counter() - t
    row["disk_gb"] = row["disk_bytes"] / 1e9
    row["stream_build_rss_gb"] = row["rss_after_build_kb"] / 2 ** 20
    row["assign_rss_gb"] = row["rss_assign_kb"] / 2 ** 20  # without the walk-only control's 200K-clip arrays
    return row


def package_dir() -> str:
    """Where the stage processes import videobert from, and its git commit when it is a checkout."""
    import importlib.util

    d = Path(importlib.util.find_spec("videobert").origin).parent
    try:
        head = subprocess.run(["git", "-C", str(d), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(d), "status", "--porcelain", "."], capture_output=True, text=True,
                               check=True).stdout.strip()
        return f"{d} (git {head}{', with uncommitted changes' if dirty else ''})"
    except (subprocess.CalledProcessError, FileNotFoundError):
        return f"{d} (not a git checkout)"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_stage":
        return child_main(sys.argv[2:])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--videos", type=int, nargs="+", default=[1000, 10000, 100000])
    p.add_argument("--dim", type=int, default=256, help="feature dimension (default 256: 100K videos ~3 GB)")
    p.add_argument("--threads", type=int, default=1, help="CPUs per stage process (default 1)")
    p.add_argument("--levels", type=int, default=2, help="vocabulary tree depth (default 2)")
    p.add_argument("--k", type=int, default=12, help="children per node (default 12)")
    p.add_argument("--sample", type=int, default=1_000_000, help="clips to fit the vocabulary on (default 1M)")
    p.add_argument("--chunk-videos", type=int, default=1000,
                   help="videos per chunk of the streamed stage (pretrain --stream-chunk-videos); 0: skip that stage")
    p.add_argument("--out", type=Path, help="corpora and scale-results.json go here (default: a temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep each simulated corpus")
    args = p.parse_args()
    work = args.out if args.out else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"videobert from {package_dir()}", flush=True)
    print(f"{os.cpu_count()} CPUs, {args.threads} thread(s) per stage, load average {os.getloadavg()[0]:.1f}; "
          f"dim {args.dim}, vocabulary {args.levels} x {args.k} fitted on <= {args.sample:,} clips; in {work}",
          flush=True)
    base = run_stage("noop", work, args)
    print(f"a stage process with the imports alone: peak RSS {base['noop_rss_gb']:.2f} GB", flush=True)
    rows = []
    for n in sorted(args.videos):
        rows.append(measure(n, args, work))
        (work / "scale-results.json").write_text(json.dumps({"baseline_rss_gb": base["noop_rss_gb"], "rows": rows},
                                                            indent=1))
    print()
    print(table(rows))
    print(f"\nRSS (GiB): peak of each stage's own process (wait4); 'stream RSS' after building epoch 0's examples, "
          f"'pass RSS' after collating all of them; disk GB: 10^9 bytes; the imports alone: {base['noop_rss_gb']:.2f} GB. "
          f"Load average now {os.getloadavg()[0]:.1f}.")
    if len(rows) > 1:
        a, b = rows[-2], rows[-1]
        f = b["videos"] / a["videos"]
        print(f"{b['videos']:,} vs {a['videos']:,} videos ({f:g}x): stream RSS x{b['stream_build_rss_gb'] / a['stream_build_rss_gb']:.2f}, "
              f"pass RSS x{b['stream_rss_gb'] / a['stream_rss_gb']:.2f}, "
              f"assign clips/s x{b['assign_clips_per_s'] / a['assign_clips_per_s']:.2f} "
              f"(per CPU-s x{b['assign_clips_per_cpu_s'] / a['assign_clips_per_cpu_s']:.2f}), "
              f"stream ex/s x{b['stream_ex_per_s'] / a['stream_ex_per_s']:.2f} "
              f"(per CPU-s x{b['stream_ex_per_cpu_s'] / a['stream_ex_per_cpu_s']:.2f}), "
              f"pass ex/s x{b['pass_ex_per_s'] / a['pass_ex_per_s']:.2f} "
              f"(per CPU-s x{b['pass_ex_per_cpu_s'] / a['pass_ex_per_cpu_s']:.2f})"
              + (f", streamed RSS x{b['streamed_rss_gb'] / a['streamed_rss_gb']:.2f}, "
                 f"streamed ex/s x{b['streamed_ex_per_s'] / a['streamed_ex_per_s']:.2f} "
                 f"(per CPU-s x{b['streamed_ex_per_cpu_s'] / a['streamed_ex_per_cpu_s']:.2f})" if "streamed_rss_gb" in b else ""))


if __name__ == "__main__":
    main()
