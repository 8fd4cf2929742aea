import numpy as np

from videobert.tasks.annotations import CorpusSegment, Segment
from videobert.tasks.text2video import TextToVideoConfig, evaluate_text2video
from videobert.tasks.wordlabels import narration_labels, segment_reference, word_labels

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


class _Corpus:
    """The two things narration_labels reads of a corpus: its config and a record's timing."""

    config = {"clip_frames": 30, "fps": 20}  # 1.5 s clips

    def __init__(self, records):
        self.records = records

    def read(self, vid):
        return self.records[vid]


def _record(n_clips, sentences):
    from types import SimpleNamespace

    from videobert.corpus import Sentence

    return SimpleNamespace(clip_starts=np.arange(n_clips) * 1.5, sentences=[Sentence(*s) for s in sentences])


def test_narration_labels_vote_from_the_sentences_windows():
    # clips of 1.5 s; "cut the tomato" spans clip 1 only, widened by one clip on each side -> clips 0-2;
    # "stir" (a verb alone) spans clips 4-5 -> 3-6 with the widening, no noun; clip 7 is silent.
    corpus = _Corpus({"a": _record(8, [("cut the tomato", 1.6, 2.9), ("now stir it", 6.1, 8.9)])})
    tokens = {"a": np.array([0, 0, 1, 2, 2, 2, 2, 3])}
    lab = narration_labels(corpus, ["a"], tokens.__getitem__, VERBS, NOUNS, context_clips=1)
    assert lab.verb == {0: 0, 1: 0, 2: 1, 3: None}
    assert lab.noun == {0: 0, 1: 0, 2: None, 3: None}  # "stir it" names no listed noun
    assert lab.usage == {0: 2, 1: 1, 2: 4, 3: 1}
    # without the widening clip 0 lies outside every sentence: word 0 is half cut, half nothing;
    # a tie goes to the label over nothing (`_majority`)
    lab0 = narration_labels(corpus, ["a"], tokens.__getitem__, VERBS, NOUNS, context_clips=0)
    assert lab0.verb[0] == 0 and lab0.verb[2] == 1 and lab0.verb[3] is None
    # the vote reads validation segments as word_labels' table does
    val = [_seg("a", "cut the tomato", 0, 2, "validation"), _seg("a", "stir the egg", 4, 6, "validation")]
    assert segment_reference(lab, val, tokens.__getitem__) == (1.0, 0.5)


def test_narration_and_annotation_votes_agree_where_narration_names_each_step():
    corpus = _Corpus({"a": _record(6, [("cut the tomato", 0.0, 4.4), ("stir the egg", 4.6, 8.9)])})
    tokens = {"a": np.array([0, 0, 0, 1, 1, 1])}
    train = [_seg("a", "cut the tomato", 0, 3), _seg("a", "stir the egg", 3, 6)]
    from_steps = word_labels(train, tokens.__getitem__, VERBS, NOUNS)
    from_narration = narration_labels(corpus, ["a"], tokens.__getitem__, VERBS, NOUNS, context_clips=0)
    assert from_steps.verb == from_narration.verb == {0: 0, 1: 1}
    assert from_steps.noun == from_narration.noun == {0: 0, 1: 1}
