"""A vocabulary that fits the corpus: the tree chosen from the number of clips, and the warning."""
import json

import pytest

from videobert.cli import main
from videobert.vocab.build import (
    MIN_CLIPS_PER_WORD,
    auto_tree,
    count_clips,
    resolve_tree,
    sparse_tree_warning,
)


@pytest.mark.parametrize("clips,tree", [
    (30, (1, 2)),  # too few for anything but two words
    (300, (1, 12)),  # 15 words' worth: one level of 12
    (1_735, (2, 9)),  # the 80-video corpus of issue 24: 81 words, not 1,735 of 20,736
    (3_000, (2, 12)),
    (40_000, (3, 12)),
    (100_000, (4, 8)),
    (12**4 * MIN_CLIPS_PER_WORD, (4, 12)),  # the paper's tree once every word gets its clips
    (55_000_000, (4, 12)),  # the paper's corpus
])
def test_tree_from_the_number_of_clips(clips, tree):
    levels, k, why = auto_tree(clips)
    assert (levels, k) == tree
    assert k**levels * MIN_CLIPS_PER_WORD <= max(clips, 2 * MIN_CLIPS_PER_WORD)  # every word can get its clips
    assert f"{clips:,} clips" in why


def test_trees_grow_with_the_corpus():
    sizes = [k**levels for levels, k, _ in (auto_tree(n) for n in (100, 1_000, 10_000, 100_000, 1_000_000))]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1] == 12**4


def test_warning_when_most_words_would_hold_one_or_two_clips():
    w = sparse_tree_warning(1_735, 4, 12)
    assert "20,736 words for 1,735 clips" in w and "--levels 2 --k 9" in w
    assert sparse_tree_warning(1_735, 2, 9) is None
    assert sparse_tree_warning(12**4 * 3, 4, 12) is None


def test_resolve_tree_choice_reuse_and_explicit(blob_corpus, tmp_path):
    corpus = blob_corpus(n_videos=4, clips=60)  # 240 clips
    assert count_clips(corpus.root) == 240
    levels, k, chosen, warning = resolve_tree(corpus.root, None, None, tmp_path / "v")
    assert (levels, k) == (1, 12) and "chosen from the corpus" in chosen and warning is None
    # --k alone is an explicit choice: levels from VocabConfig (4), and 12**4 words for 240 clips warns
    levels, k, _, warning = resolve_tree(corpus.root, None, 12, tmp_path / "v")
    assert (levels, k) == (4, 12) and "20,736 words for 240 clips" in warning
    assert resolve_tree(corpus.root, 1, 4, tmp_path / "v")[3] is None
    # a vocabulary already there: its tree is kept (a re-run resumes instead of refusing)
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "vocab.json").write_text(json.dumps({"config": {"levels": 2, "k": 3}}))
    levels, k, chosen, _ = resolve_tree(corpus.root, None, None, tmp_path / "v")
    assert (levels, k) == (2, 3) and "already in" in chosen


def test_vocab_command_prints_its_choice_and_warns(blob_corpus, tmp_path, capsys):
    corpus = blob_corpus(n_videos=4, clips=60)
    assert main(["vocab", str(corpus.root), "--out", str(tmp_path / "auto"), "--iters", "3"]) == 0
    out = capsys.readouterr()
    assert "vocabulary tree: 1 levels x k=12" in out.out and "warning" not in out.err
    assert json.loads((tmp_path / "auto" / "vocab.json").read_text())["config"]["k"] == 12
    assert main(["vocab", str(corpus.root), "--out", str(tmp_path / "big"), "--levels", "2", "--k", "12",
                 "--iters", "3"]) == 0
    err = capsys.readouterr().err
    assert "144 words for 240 clips" in err  # before the fit
    assert "hold one or two clips" in err  # and after, from the words' actual counts
