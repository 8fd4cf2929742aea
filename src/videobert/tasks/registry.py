"""The downstream tasks by name: one contract, one registry (as timm does for models).

A `Task` names its options (a `Config` class whose defaults are the task's defaults), its
report title and a `run(inputs, config)` that returns a result with ``to_dict()`` (every
number, for report.json) and ``markdown()`` (its tables and notes). `videobert eval NAME`,
`videobert eval all`, the evaluation report and the demo all go through `run_tasks`, so a
task added here shows up in each of them.

    from videobert.tasks import registry
    inputs = registry.EvalInputs(data, verbs, nouns)        # data: report.load_eval_data(...)
    results = registry.run_tasks(["zeroshot", "forecast"], inputs)
    print(results["zeroshot"].markdown())
"""
from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from .alignment import AlignmentConfig
from .captioning import CaptionerConfig
from .forecast import ForecastConfig
from .retrieval import RetrievalConfig
from .text2video import TextToVideoConfig
from .zeroshot import PAPER_TEMPLATE, ZeroShotConfig

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class EvalInputs:
    """What every task may read: the loaded model + corpus + segments (`report.EvalData`), the
    verb / noun labels (zero-shot and text-to-video), where tasks that train something keep it
    (captioning), and the few run options that are not a task's own config."""
    data: Any  # report.EvalData
    verbs: list[str] | None = None
    nouns: list[str] | None = None
    out_dir: Path | None = None  # captioners are trained into out_dir/captioners (resumable)
    annotations: str | None = None  # for the alignment task's held-out videos
    template: str = PAPER_TEMPLATE  # the zero-shot cloze; text-to-video prompts fill the same words
    beam: int = 1  # caption decoding
    meteor: bool = True
    progress: bool = False
    reference: str | None = None  # "youcook2": the paper's rows beside ours (tasks.paper)


@dataclasses.dataclass(frozen=True)
class Task:
    name: str
    title: str  # the report's section heading
    config: type  # the task's Config class; config() is its defaults
    run: Callable[[EvalInputs, Any], Any]
    needs_labels: bool = False  # reads inputs.verbs / inputs.nouns
    needs_out_dir: bool = False  # trains something it keeps in inputs.out_dir


TASKS: dict[str, Task] = {}


def register(task: Task) -> Task:
    if task.name in TASKS:
        raise ValueError(f"task {task.name!r} is already registered")
    TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise KeyError(f"unknown task {name!r}; known: {', '.join(TASKS)}")
    return TASKS[name]


@dataclasses.dataclass(frozen=True)
class NotRun:
    """The result of a task that could not run on this data (`run_tasks(keep_going=True)`), with why."""
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"not_run": self.reason}

    def markdown(self) -> str:
        return f"Not run: {self.reason}"


def run_tasks(names: Iterable[str], inputs: EvalInputs, configs: dict[str, Any] | None = None,
              keep_going: bool = False) -> dict[str, Any]:
    """Run the named tasks in order (each with `configs[name]` or its defaults); name -> result.
    With `keep_going`, a task that cannot run on this data (a ValueError: e.g. retrieval with one
    held-out segment) does not stop the others: its result is a `NotRun` with the reason."""
    configs = configs or {}
    tasks = [get_task(n) for n in names]
    for t in tasks:  # check everything before the first (possibly long) task starts
        if t.needs_labels and not (inputs.verbs and inputs.nouns):
            raise ValueError(f"task {t.name!r} needs verb and noun labels (EvalInputs.verbs / .nouns)")
        if t.needs_out_dir and inputs.out_dir is None:
            raise ValueError(f"task {t.name!r} trains captioners and needs an output directory (EvalInputs.out_dir)")
        if t.name in configs and not isinstance(configs[t.name], t.config):
            raise TypeError(f"config for {t.name!r} is a {type(configs[t.name]).__name__}, expected {t.config.__name__}")
    from ..utils.progress import announce, format_seconds

    results = {}
    for t in tasks:  # a line before each task: some run for minutes before their first progress line
        announce(f"eval: {t.name} ({t.title.lower()}) ...", inputs.progress)
        t0 = time.monotonic()
        try:
            results[t.name] = t.run(inputs, configs.get(t.name) or t.config())
        except ValueError as e:
            if not keep_going:
                raise
            results[t.name] = NotRun(str(e))
            log.warning("eval: %s not run: %s", t.name, e)
            continue
        announce(f"eval: {t.name} done in {format_seconds(time.monotonic() - t0)}", inputs.progress)
    return results


def titles() -> dict[str, str]:
    return {name: t.title for name, t in TASKS.items()}


# ---- the built-in tasks -------------------------------------------------------------------------
def _zeroshot(x: EvalInputs, cfg: ZeroShotConfig):
    from .report import run_zeroshot

    return dataclasses.replace(run_zeroshot(x.data, x.verbs, x.nouns, cfg), reference=x.reference)


def _forecast(x: EvalInputs, cfg: ForecastConfig):
    from .report import run_forecast

    return run_forecast(x.data, cfg)


def _retrieval(x: EvalInputs, cfg: RetrievalConfig):
    from .report import run_retrieval

    return run_retrieval(x.data, cfg)


def _alignment(x: EvalInputs, cfg: AlignmentConfig):
    from .report import heldout_video_ids, run_alignment

    ids = heldout_video_ids(x.data.corpus, x.data.model_path, x.annotations)
    return run_alignment(x.data.model, x.data.corpus, ids, cfg)


def _text2video(x: EvalInputs, cfg: TextToVideoConfig):
    from .report import run_text2video

    prompt = x.template.replace("[MASK]", "{verb}", 1).replace("[MASK]", "{noun}", 1)
    return run_text2video(x.data, x.verbs, x.nouns, cfg, prompt)


def _caption(x: EvalInputs, cfg: CaptionerConfig):
    from .report import run_caption

    return dataclasses.replace(run_caption(x.data, x.out_dir, cfg, x.beam, progress=x.progress, meteor=x.meteor),
                               reference=x.reference)


register(Task("zeroshot", "Zero-shot action classification", ZeroShotConfig, _zeroshot, needs_labels=True))
register(Task("forecast", "Forecasting the next visual token", ForecastConfig, _forecast))
register(Task("retrieval", "Text-to-video retrieval", RetrievalConfig, _retrieval))
register(Task("alignment", "Linguistic-visual alignment", AlignmentConfig, _alignment))
register(Task("text2video", "Text-to-video", TextToVideoConfig, _text2video, needs_labels=True))
register(Task("caption", "Captioning", CaptionerConfig, _caption, needs_out_dir=True))
