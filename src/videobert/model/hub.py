"""Sharing models through the Hugging Face Hub: load by repo id, push with a generated model card.

A saved VideoBERT is one self-contained folder (layout in `videobert.model.videobert`): the
BERT weights as safetensors (``bert/``), the joint tokenizer (``text_tokenizer/``,
``joint_tokenizer.json``), the visual vocabulary's centroids and tree (``visual_vocab/``) and
the feature settings that made its corpus (``videobert.json``: ``ingest_config``). The Hub
repository holds exactly that folder plus a model card (``README.md``), so

- ``from_pretrained("user/name")`` is ``huggingface_hub.snapshot_download`` (the Hub's cache,
  ``revision=`` pins a branch, tag or commit, ``HF_HUB_OFFLINE=1`` reads the cache only) and then
  the local loader; a local path loads as before;
- ``push_to_hub(MODEL, "user/name")`` creates the repository (``private=``), writes the folder's
  files and the card in one commit (``branch=``: a branch, created when missing), and deletes
  files a previous push left in the model's folders that this model no longer has.

No code runs from the Hub: loading reads JSON, safetensors and a ``.npz`` without pickles.
This follows ``huggingface_hub.PyTorchModelHubMixin``'s conventions (names of the arguments,
safetensors, a card with ``library_name``) without its single ``config.json`` + weights layout,
which has no place for the tokenizer and the vocabulary.
"""
from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..utils.io import read_json
from ..utils.lazy import require
from ..utils.offline import hub_offline_env, offline_reason

log = logging.getLogger(__name__)

# The files of a saved model, as `snapshot_download`'s allow_patterns (the card comes too).
MODEL_FILES = ("videobert.json", "joint_tokenizer.json", "bert/*", "text_tokenizer/*", "visual_vocab/*")
MODEL_FOLDERS = ("bert", "text_tokenizer", "visual_vocab")
CARD = "README.md"
LIBRARY = "videobert"
DEFAULT_TAGS = ("videobert", "video-text", "multimodal", "video-language", "pytorch", "safetensors")
DEFAULT_LICENSE = "apache-2.0"
# A Hub repo id: "name" or "owner/name" (letters, digits, '-', '_', '.'; no '--' or '..').
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][\w.-]{0,95}/)?[A-Za-z0-9][\w.-]{0,95}$")
# Base models `--init` names that are Hub repositories (for the card's base_model).
_INIT_BASE = {"minilm": "sentence-transformers/all-MiniLM-L6-v2"}


def is_repo_id(name: str) -> bool:
    """Could `name` be a Hub model id ("user/name")? Local-looking paths (absolute, ``./``, ``~``,
    more than one ``/``) are not."""
    s = str(name)
    return bool(_REPO_ID.match(s)) and "/" in s and "--" not in s and ".." not in s and not s.endswith(".")


def _hub():
    return require("huggingface_hub", "hub", "models on the Hugging Face Hub")


# ---- loading ----------------------------------------------------------------------------------
def resolve_model_dir(name_or_path: str | os.PathLike, *, revision: str | None = None, token: str | bool | None = None,
                      cache_dir: str | os.PathLike | None = None, force_download: bool = False,
                      local_files_only: bool = False) -> Path:
    """The local folder of `name_or_path`: a directory that exists, or a Hub model ("user/name")
    downloaded into (or found in) the Hugging Face cache. ``HF_HUB_OFFLINE=1`` (read at each call)
    or `local_files_only` use the cache only; a model not cached then fails naming what to do."""
    p = Path(name_or_path).expanduser()
    if p.exists():
        if revision is not None:
            raise ValueError(f"revision={revision!r} picks a version of a Hub model, but {p} is a local directory")
        return p
    name = str(name_or_path)
    if not is_repo_id(name):
        raise FileNotFoundError(f"{name}: no such model directory (train one with `videobert pretrain CORPUS --out RUN`;"
                                " it writes RUN/model), and not a Hugging Face Hub model id (user/name)")
    hub = _hub()
    from huggingface_hub import errors

    from .. import __version__

    # HF_HUB_OFFLINE, or a Hub that cannot be reached at all: the cache only, at once (no retries)
    env = hub_offline_env()
    offline = f"{env} is set" if env else None if local_files_only else offline_reason()
    at = f"{name}@{revision}" if revision else name
    try:
        path = hub.snapshot_download(name, revision=revision, token=token, cache_dir=cache_dir,
                                     force_download=force_download, local_files_only=local_files_only or bool(offline),
                                     allow_patterns=[*MODEL_FILES, CARD], library_name=LIBRARY,
                                     library_version=__version__)
    except errors.RevisionNotFoundError as e:
        raise ValueError(f"{at}: the Hub model has no revision {revision!r} (a branch, tag or commit hash)") from e
    except errors.RepositoryNotFoundError as e:  # also gated / private without a token
        raise FileNotFoundError(
            f"{name}: no local directory of that name, and no model {name} on the Hugging Face Hub that this "
            "token may read (a private or gated one needs `hf auth login` or token=...)") from e
    except errors.LocalEntryNotFoundError as e:
        where = f"the Hugging Face cache ({cache_dir or hub.constants.HF_HUB_CACHE})"
        why = offline or ("local_files_only=True" if local_files_only else
                          f"the Hugging Face Hub could not be reached ({type(e.__cause__ or e).__name__})")
        raise FileNotFoundError(
            f"{name}: no local directory of that name, and the Hub model {at} is not (completely) in {where} "
            f"while {why}: load it once with network access (HF_HUB_OFFLINE unset) to cache it, or give a "
            "local model directory") from e
    except errors.HfHubHTTPError as e:
        raise OSError(f"{at}: the Hugging Face Hub refused the download: {e}") from e
    folder = Path(path)
    if not (folder / "videobert.json").is_file():
        raise FileNotFoundError(f"{at} on the Hugging Face Hub is not a VideoBERT model (no videobert.json; "
                                "push one with `videobert push RUN/model user/name`)")
    return folder


def from_pretrained(name_or_path: str | os.PathLike, device=None, *, revision: str | None = None,
                    token: str | bool | None = None, cache_dir: str | os.PathLike | None = None,
                    force_download: bool = False, local_files_only: bool = False):
    """`videobert.model.VideoBERT` from a local folder or a Hub model id (see `resolve_model_dir`)."""
    from .videobert import VideoBERT

    return VideoBERT.from_pretrained(name_or_path, device=device, revision=revision, token=token,
                                     cache_dir=cache_dir, force_download=force_download,
                                     local_files_only=local_files_only)


def save_pretrained(model, directory: str | os.PathLike, *, repo_id: str | None = None,
                    push_to_hub: bool = False, **push_kwargs) -> Path:
    """``model.save_pretrained(directory)``; with `push_to_hub` also `push_to_hub(directory, repo_id, ...)`
    (the mixin's convention)."""
    d = model.save_pretrained(directory)
    if push_to_hub:
        if not repo_id:
            raise ValueError("push_to_hub=True needs repo_id='user/name'")
        _push(d, repo_id, **push_kwargs)
    return d


# ---- the folder -------------------------------------------------------------------------------
def check_model_dir(model_dir: str | os.PathLike) -> Path:
    """`model_dir` (or a run directory holding ``model/``) when it is a complete saved model, else a
    clear error naming what is missing and how to get a model folder."""
    from .videobert import locate_model_dir

    d, _ = locate_model_dir(model_dir)
    needed = ["joint_tokenizer.json", "text_tokenizer/tokenizer.json", "bert/config.json",
              "visual_vocab/vocab.json", "visual_vocab/vocab.npz"]
    missing = [n for n in needed if not (d / n).is_file()]
    if not any((d / "bert").glob("*.safetensors")):
        missing.append("bert/*.safetensors")
    if missing:
        raise FileNotFoundError(f"{d}: incomplete model folder, missing {', '.join(missing)} "
                                "(copy it again, or re-save the model with `save_pretrained`)")
    return d


def model_files(model_dir: str | os.PathLike) -> list[tuple[str, Path]]:
    """(path in the repository, local file) for every file of a saved model, sorted."""
    d = check_model_dir(model_dir)
    out = [(n, d / n) for n in ("videobert.json", "joint_tokenizer.json")]
    for folder in MODEL_FOLDERS:
        out += [(f.relative_to(d).as_posix(), f) for f in (d / folder).rglob("*")
                if f.is_file() and not f.name.endswith(".tmp")]
    return sorted(out)


# ---- the evaluation report ----------------------------------------------------------------------
def find_report(model_dir: str | os.PathLike) -> Path | None:
    """The newest evaluation ``report.json`` of this model: written by ``videobert eval all MODEL
    --out DIR`` (its ``meta.model`` names the model or its run) or by ``videobert demo`` (the
    demo's folder), looked for in the model's folder, its run, the run's parent and their
    subfolders. None when there is none."""
    d = Path(model_dir).resolve()
    run = d.parent
    bases = list(dict.fromkeys([d, run, run.parent]))
    found: list[Path] = []
    for base in bases:
        for cand in [base / "report.json", *sorted(base.glob("*/report.json"))]:
            if cand.is_file() and _report_is_of(cand, d):
                found.append(cand)
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def _report_is_of(report: Path, model_dir: Path) -> bool:
    try:
        data = read_json(report)
    except (OSError, ValueError):
        return False
    meta = data.get("meta") if isinstance(data, dict) else None
    if not isinstance(meta, dict):
        return False
    here = report.parent
    if (here / "demo_config.json").is_file():  # the demo writes DEMO/report.json for DEMO/run/model
        return (here / "run" / "model").resolve() == model_dir
    named = meta.get("model")
    if not isinstance(named, str) or not named:
        return False
    targets = {model_dir, model_dir.parent}
    for root in (Path.cwd(), here, here.parent):  # `meta.model` is as typed, relative to where eval ran
        p = Path(named).expanduser()
        p = p if p.is_absolute() else root / p
        try:
            if p.resolve() in targets:
                return True
        except OSError:
            continue
    return False


def _f(x: Any, digits: int = 3) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return "–"
    return str(x) if isinstance(x, int) else f"{x:.{digits}f}"


def _pair(d: dict, *keys: str) -> str:
    return " / ".join(_f(d.get(k)) for k in keys)


# Entries of a report.json that are not an evaluation's results (the demo adds the last two).
NOT_RESULTS = ("meta", "reference", "stage_seconds")


def report_rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(evaluation, result, reference) rows of the headline numbers of a ``report.json``
    (`videobert.tasks.report.write_report`'s or the demo's). Tasks it does not know are listed by
    their top-level numbers."""
    rows: list[tuple[str, str, str]] = []
    ref = report.get("reference") if isinstance(report.get("reference"), dict) else {}
    for task, r in report.items():
        if task in NOT_RESULTS or not isinstance(r, dict):
            continue
        if task == "zeroshot":
            narr = (f", narration vote {_pair(ref, 'narration_vote_verb_top1', 'narration_vote_noun_top1')}"
                    if "narration_vote_verb_top1" in ref else "")
            extra = (f"; per-word vote {_pair(ref, 'vote_verb_top1', 'vote_noun_top1')}{narr}, 1-NN on the features "
                     f"{_pair(ref, 'nn_verb_top1', 'nn_noun_top1')}") if ref else ""
            rows.append(("zero-shot verb / noun top-1", _pair(r, "verb_top1", "noun_top1"),
                         f"language prior {_pair(r, 'prior_verb_top1', 'prior_noun_top1')}{extra}"))
            rows.append(("zero-shot verb / noun top-5", _pair(r, "verb_top5", "noun_top5"),
                         f"language prior {_pair(r, 'prior_verb_top5', 'prior_noun_top5')}"))
        elif task == "forecast":
            k = r.get("k", "k")
            rows.append((f"forecasting next visual word top-1 / top-{k}", _pair(r, "top1", "topk"),
                         f"most frequent word {_pair(r, 'baseline_top1', 'baseline_topk')}"))
        elif task == "retrieval":
            rows.append((f"text-to-segment retrieval R@1 / R@5 / R@10 ({r.get('scorer', '?')} scorer)",
                         _pair(r, "r1", "r5", "r10"),
                         f"median rank {_f(r.get('median_rank'), 1)} of {_f(r.get('n'))}"))
        elif task == "alignment":
            bal, auc = r.get("balanced_accuracy") or {}, r.get("auc") or {}
            for kind in bal if isinstance(bal, dict) else ():
                rows.append((f"alignment head vs {kind.replace('_', '-')} negatives, balanced accuracy / AUC",
                             f"{_f(bal.get(kind))} / {_f(auc.get(kind) if isinstance(auc, dict) else None)}",
                             "chance 0.500"))
        elif task == "text2video":
            rows.append(("text-to-video, generated words matching the prompt's verb / noun",
                         _pair(r, "verb_accuracy", "noun_accuracy"),
                         f"most frequent words {_pair(r, 'frequent_verb_accuracy', 'frequent_noun_accuracy')}"))
        elif task == "caption":
            for row in r.get("rows") or ():
                if isinstance(row, dict):
                    rows.append((f"captioning, {row.get('name', '?')}: BLEU-4 / METEOR / ROUGE-L / CIDEr",
                                 _pair(row, "bleu4", "meteor", "rouge_l", "cider"), f"{_f(row.get('n'))} segments"))
        else:
            nums = {k: v for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
            if nums:
                rows.append((task, ", ".join(f"{k} {_f(v)}" for k, v in nums.items()), ""))
    return rows


# ---- the model card ------------------------------------------------------------------------------
def _code(x: Any) -> str:
    return "`" + str(x).replace("`", "'").replace("\n", " ") + "`"


def _read(path: Path) -> dict:
    try:
        data = read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def card_metadata(meta: dict, *, license: str = DEFAULT_LICENSE, datasets: Sequence[str] = (),
                  tags: Sequence[str] = ()) -> dict[str, Any]:
    """The card's YAML metadata (Hub conventions: library_name, tags, license, datasets, base_model)."""
    data: dict[str, Any] = {"library_name": LIBRARY, "license": license,
                            "tags": list(dict.fromkeys([*DEFAULT_TAGS, *tags]))}
    if datasets:
        data["datasets"] = list(dict.fromkeys(datasets))
    init = meta.get("init")
    base = _INIT_BASE.get(init) if isinstance(init, str) else None
    if base is None and isinstance(init, str) and init != "scratch" and not Path(init).expanduser().exists() \
            and (is_repo_id(init) or re.fullmatch(r"[A-Za-z0-9][\w.-]*", init)):
        base = init
    if base:
        data["base_model"] = base
    return data


def model_card(model_dir: str | os.PathLike, *, repo_id: str | None = None, report: str | os.PathLike | None = None,
               find: bool = True, license: str = DEFAULT_LICENSE, datasets: Sequence[str] = (),
               tags: Sequence[str] = ()) -> str:
    """The model card (``README.md``) of a saved model: YAML metadata, what corpus, text and features
    it was trained on (its ``videobert.json``, its vocabulary's config, and the pretraining run's
    ``run.json`` / ``config.json`` when the model sits in its run), how to load it, and the headline
    numbers of an evaluation report (`report`, else with `find` the newest one of `find_report`)."""
    hub = _hub()
    d = check_model_dir(model_dir)
    meta = read_json(d / "videobert.json")
    run = _read(d.parent / "run.json") if (d.parent / "run.json").is_file() else {}
    pcfg = _read(d.parent / "config.json") if run else {}
    report_path = Path(report) if report else (find_report(d) if find else None)
    if report_path and not report_path.is_file():
        raise FileNotFoundError(f"--report {report_path}: no such file (give the report.json of `videobert eval all`)")
    rep = _read(report_path) if report_path else {}
    if report_path and not rep:
        raise ValueError(f"{report_path}: not an evaluation report (expected the report.json of `videobert eval all`)")
    lines = [*_card_intro(repo_id or d.name, bool(repo_id)), *_card_data(meta, run, datasets),
             *_card_features(meta, _read(d / "visual_vocab" / "vocab.json")), *_card_model(meta, run, pcfg),
             *_card_evaluation(rep, report_path), *CITATION]
    data = hub.ModelCardData(**card_metadata(meta, license=license, datasets=datasets, tags=tags))
    return f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(lines)


def _card_intro(name: str, on_hub: bool) -> list[str]:
    return [f"# {name}", "",
            "A [VideoBERT](https://arxiv.org/abs/1904.01766) joint video-language model made with the "
            "`videobert` package: a BERT over text WordPieces and visual words (hierarchical "
            "k-means clusters of clip features), pretrained on narrated videos. It fills in masked words and "
            "visual words, scores whether a sentence and a video segment belong together, and through them "
            "does zero-shot action classification, forecasting, retrieval and captioning.", "",
            "## Use", "", "It needs the `videobert` Python package (in its source tree: `pip install -e '.[hub]'`).", "",
            "```python", "import videobert", "",
            f"model = videobert.load_model({json.dumps(name if on_hub else 'path/to/' + name)})"
            "  # revision=\"...\" pins a version",
            "tokens = model.tokenize_video(\"clip.mp4\")  # visual words, features computed as in training",
            "```", "",
            "The folder is self-contained: `bert/` (weights, safetensors), `text_tokenizer/` + "
            "`joint_tokenizer.json` (the joint tokenizer), `visual_vocab/` (the visual vocabulary's centroids "
            "and tree, no pickles), `videobert.json` (sizes and the feature settings). Loading runs no code "
            "from the repository. The command line takes the id wherever it takes a model folder, e.g. "
            f"`videobert eval all {name if on_hub else 'MODEL'} --corpus CORPUS --annotations A.json --out eval`.",
            ""]


def _card_data(meta: dict, run: dict, datasets: Sequence[str]) -> list[str]:
    ing = meta.get("ingest_config") or {}
    lines = ["## Training data", ""]
    corpus = run.get("corpus")
    if corpus:
        n_train, n_held = run.get("train_videos"), run.get("heldout_videos")
        count = f"{n_train} training videos" if isinstance(n_train, int) else "its videos"
        if isinstance(n_held, int):
            count += f" ({n_held} more held out for evaluation)"
        lines.append(f"- Corpus: {_code(Path(str(corpus)).name)}, {count}.")
    else:
        lines.append("- Corpus: not recorded (the model was saved outside its pretraining run).")
    if datasets:
        lines.append(f"- Datasets: {', '.join(_code(x) for x in datasets)}.")
    text = ing.get("text", "auto")
    if text == "asr" or (text == "auto" and ing.get("asr") not in (None, "none")):
        src = f"speech recognition of the narration ({_code(ing.get('asr'))}, model {_code(ing.get('asr_model'))})"
    else:
        src = "caption files (.vtt/.srt beside the videos)"
        if ing.get("annotations"):
            src += f" or the annotations {_code(Path(str(ing['annotations'])).name)}"
        if ing.get("asr") not in (None, "none"):
            src += f", else speech recognition ({_code(ing.get('asr'))})"
    return [*lines, f"- Text: {src}.", ""]


def _card_features(meta: dict, voc: dict) -> list[str]:
    ing, vcfg = meta.get("ingest_config") or {}, voc.get("config") or {}
    feat = [("clips", f"{_f(ing.get('clip_frames'))} frames at {_f(ing.get('fps'))} fps"),
            ("backbone", ing.get("backbone")), ("weights", ing.get("weights")), ("input size (px)", ing.get("size")),
            ("frames per clip (frame backbones)", ing.get("frames")), ("pooling", ing.get("pool")),
            ("student tokenizer", ing.get("tokenizer") or "none (k-means vocabulary)"),
            ("feature normalization", vcfg.get("normalize")),
            ("vocabulary", f"hierarchical k-means, {vcfg.get('levels', '?')} levels x {vcfg.get('k', '?')} "
                           f"= {meta.get('num_visual', voc.get('num_tokens', '?'))} visual words"),
            ("feature dimension", voc.get("feature_dim"))]
    lines = ["## Features: how a video becomes visual words", "", "| setting | value |", "|---|---|",
             *(f"| {k} | {_code(v)} |" for k, v in feat if v is not None), ""]
    if ing.get("tokenizer"):
        lines += [f"The clips were tokenized by a distilled student ({_code(ing['tokenizer'])}), which this folder "
                  "does not hold: `tokenize_video` needs that student at the same path.", ""]
    return lines


def _card_model(meta: dict, run: dict, pcfg: dict) -> list[str]:
    size = f" ({meta['size']})" if meta.get("size") else ""
    lines = ["## Model and pretraining", "", "| setting | value |", "|---|---|",
             f"| initialization | {_code(meta.get('init'))}{size} |",
             f"| layers x hidden | {_f(meta.get('num_layers'))} x {_f(meta.get('hidden_size'))} |",
             f"| vocabulary | {_f(meta.get('num_text'))} text + [>] + {_f(meta.get('num_visual'))} visual = "
             f"{_f(meta.get('vocab_size'))} |",
             f"| alignment head reads | {_code(meta.get('align_pool', 'cls'))} |"]
    for key, label in (("max_steps", "steps"), ("batch_size", "batch size"), ("lr", "learning rate"),
                       ("seed", "seed")):
        if pcfg.get(key) is not None:
            lines.append(f"| {label} | {_code(pcfg[key])} |")
    if run.get("world_size"):
        lines.append(f"| processes | {_code(run['world_size'])} |")
    return [*lines, ""]


def _card_evaluation(rep: dict, report_path: Path | None) -> list[str]:
    rows = report_rows(rep) if rep else []
    if not rows or report_path is None:
        return ["## Evaluation", "", "No evaluation report was found for this model. `videobert eval all MODEL "
                "--corpus CORPUS --annotations A.json --out RUN/eval` writes one, and `videobert push` puts its "
                "numbers here.", ""]
    rmeta = rep.get("meta") or {}
    on = [f"{k} {_code(Path(str(v)).name if k in ('corpus', 'annotations') else v)}"
          for k, v in rmeta.items() if isinstance(v, (str, int, float)) and k in
          ("corpus", "annotations", "videos", "features", "text")]
    by = "demo" if (report_path.parent / "demo_config.json").is_file() else "eval all"
    return ["## Evaluation", "",
            f"From {_code(report_path.name)} of `videobert {by}`" + (f" ({'; '.join(on)})" if on else "")
            + ", on videos pretraining did not see:", "",
            "| evaluation | result | reference |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows), ""]


CITATION = ["## Citation", "", "```bibtex", "@inproceedings{sun2019videobert,",
            "  title={VideoBERT: A Joint Model for Video and Language Representation Learning},",
            "  author={Sun, Chen and Myers, Austin and Vondrick, Carl and Murphy, Kevin and Schmid, Cordelia},",
            "  booktitle={ICCV}, year={2019}", "}", "```", ""]


# ---- pushing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PushPlan:
    """What `push_to_hub` uploads: the model's files and the card."""
    model_dir: Path
    files: list[tuple[str, Path]]
    card: str
    report: Path | None

    @property
    def paths(self) -> list[str]:
        return sorted([p for p, _ in self.files] + [CARD])


def plan_push(model_dir: str | os.PathLike, repo_id: str | None = None, *, report: str | os.PathLike | None = None,
              find_report_: bool = True, card: str | os.PathLike | None = None, license: str = DEFAULT_LICENSE,
              datasets: Sequence[str] = (), tags: Sequence[str] = ()) -> PushPlan:
    """The files and the card `push_to_hub` would upload (no network); a `repo_id` that is not a Hub
    model id is refused here, so a dry run refuses what the push would."""
    if repo_id is not None and not is_repo_id(repo_id):
        raise ValueError(f"{repo_id!r} is not a Hub model id (expected user/name or org/name)")
    d = check_model_dir(model_dir)
    files = model_files(d)
    rep = Path(report) if report else (find_report(d) if find_report_ else None)
    if card is not None:
        text = Path(card).read_text(encoding="utf-8")
    else:
        text = model_card(d, repo_id=repo_id, report=rep, find=False, license=license, datasets=datasets, tags=tags)
    return PushPlan(d, files, text, rep if card is None else None)


def push_to_hub(model_dir: str | os.PathLike, repo_id: str, *, private: bool | None = None,
                token: str | bool | None = None, branch: str | None = None, commit_message: str | None = None,
                create_pr: bool = False, report: str | os.PathLike | None = None, find_report_: bool = True,
                card: str | os.PathLike | None = None, license: str = DEFAULT_LICENSE, datasets: Sequence[str] = (),
                tags: Sequence[str] = ()):
    """Upload a saved model folder to the Hub model repository `repo_id` (created if missing, `private`
    when new) with a generated model card (or the markdown file `card`), in one commit on `branch`
    (default the main branch; created from main when missing). Returns huggingface_hub's
    ``CommitInfo`` (``.commit_url``, ``.oid``)."""
    plan = plan_push(model_dir, repo_id, report=report, find_report_=find_report_, card=card, license=license,
                     datasets=datasets, tags=tags)
    hub = _hub()
    from huggingface_hub import errors

    if hub_offline_env():
        raise OSError(f"cannot push to the Hugging Face Hub: {hub_offline_env()} is set")
    api = hub.HfApi(token=token, library_name=LIBRARY)
    try:
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        if branch and branch != "main":
            api.create_branch(repo_id, branch=branch, repo_type="model", exist_ok=True)
        present = api.list_repo_files(repo_id, repo_type="model", revision=branch)
        ops: list[Any] = [hub.CommitOperationAdd(path_in_repo=p, path_or_fileobj=str(f)) for p, f in plan.files]
        ops.append(hub.CommitOperationAdd(path_in_repo=CARD, path_or_fileobj=plan.card.encode("utf-8")))
        ops += [hub.CommitOperationDelete(path_in_repo=p) for p in stale_files(present, plan.paths)]
        info = api.create_commit(repo_id, ops, repo_type="model", revision=branch, create_pr=create_pr,
                                 commit_message=commit_message or f"Upload VideoBERT model ({len(plan.files)} files)")
    except errors.HfHubHTTPError as e:
        status = getattr(getattr(e, "response", None), "status_code", None)
        hint = (" (log in with `hf auth login`, or give a token with write access: --token / HF_TOKEN)"
                if status in (401, 403) else "")
        raise OSError(f"pushing to {repo_id} on the Hugging Face Hub failed: {str(e).splitlines()[0]}{hint}") from e
    except Exception as e:  # no network comes from the HTTP client (ConnectError), not as an HfHubHTTPError
        reason = offline_reason()
        if reason is None:
            raise
        raise OSError(f"cannot push to {repo_id} on the Hugging Face Hub: {reason}") from e
    log.info("pushed %d files and the model card to %s", len(plan.files), getattr(info, "commit_url", repo_id))
    return info


_push = push_to_hub  # `save_pretrained`'s `push_to_hub` argument hides the function's name there


def stale_files(present: Iterable[str], uploading: Iterable[str]) -> list[str]:
    """Files of the model's folders (and its JSON files) in the repository that this push does not
    replace: left by a previous push of another model, they would mix into its snapshot."""
    keep = set(uploading)
    ours = {"videobert.json", "joint_tokenizer.json"}
    return sorted(p for p in present if p not in keep
                  and (p in ours or p.split("/", 1)[0] in MODEL_FOLDERS))
