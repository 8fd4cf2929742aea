import numpy as np

from videobert.tasks.annotations import CorpusSegment, Segment
from videobert.tasks.text2video import TextToVideoConfig, evaluate_text2video
from videobert.tasks.wordlabels import segment_reference, word_labels

VERBS, NOUNS = ["cut", "stir"], ["tomato", "egg"]


def _seg(vid, sentence, lo, hi, subset="training"):
    return CorpusSegment(Segment(vid, subset, 0, 0.0, 1.0, sentence), lo, hi)


def test_majority_labels_count_unlabelled_clips():
    # word 0: cut tomato x2; word 1: mostly outside any step (nothing) -> no label; word 2: stir egg
    tokens = {"a": np.array([0, 0, 1, 1, 1, 2, 2]), "b": np.array([1, 2, 2, 0])}
    train = [_seg("a", "cut the tomato", 0, 3), _seg("a", "stir the egg", 5, 7), _seg("b", "stir the egg", 1, 3)]
    lab = word_labels(train, tokens.__getitem__, VERBS, NOUNS)
    assert lab.verb == {0: 0, 1: None, 2: 1} and lab.noun == {0: 0, 1: None, 2: 1}
    assert lab.usage == {0: 3, 1: 4, 2: 4} and lab.most_frequent(1) in ([1], [2])
    assert lab.reachable() == (1.0, 1.0)
    val = [_seg("a", "cut the tomato", 0, 2, "validation"), _seg("b", "cut the egg", 1, 3, "validation")]
    # segment 1 words [0, 0] -> cut tomato (right); segment 2 words [2, 2] -> stir egg (verb wrong, noun right)
    assert segment_reference(lab, val, tokens.__getitem__) == (0.5, 1.0)


def test_text2video_scores_are_reproducible(tiny_model):
    train = [_seg("a", "cut the tomato", 0, 4), _seg("a", "stir the egg", 4, 8)]
    tokens = {"a": np.arange(8) % tiny_model.vocab.num_tokens}
    lab = word_labels(train, tokens.__getitem__, VERBS, NOUNS)
    cfg = TextToVideoConfig(length=4, samples=1)
    a = evaluate_text2video(tiny_model, lab, config=cfg)
    b = evaluate_text2video(tiny_model, lab, config=cfg)
    assert a == b and a.pairs == 4 and a.chance_verb == 0.5
    assert 0 <= a.verb_accuracy <= 1 and 0 <= a.frequent_noun_accuracy <= 1 and 1 <= a.distinct_words <= 4
