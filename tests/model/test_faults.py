"""Loading a model with a part missing (issue 27)."""
import shutil

import pytest


def test_a_model_without_its_visual_vocabulary_says_how_to_restore_it(tiny_corpus, tmp_path):
    from videobert.model import VideoBERT
    from videobert.vocab import VisualVocab

    model = VideoBERT.create("scratch", VisualVocab.load(tiny_corpus.root / "vocab"), tiny_corpus.config, "tiny")
    d = model.save_pretrained(tmp_path / "model")
    shutil.rmtree(d / "visual_vocab")
    with pytest.raises(FileNotFoundError, match=r"visual_vocab: the model's own visual vocabulary .* is missing; copy "
                                                r"the whole model folder again.*run.json") as e:
        VideoBERT.from_pretrained(d)
    assert "videobert vocab CORPUS" not in str(e.value)  # that would make another vocabulary, not the model's
