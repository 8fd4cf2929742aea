"""utils.narration: filler sentences, narrated videos, and what ingest says about them."""
from __future__ import annotations

from videobert.utils.narration import Narration, describe, is_filler, narration_of, warnings


def test_filler_is_what_asr_writes_over_non_speech():
    for text in ("Mm-hmm.", "Mm -hmm.", "you", "Thank you.", "Thanks for watching!", "", "Oh.", "Hmm..."):
        assert is_filler(text), text
    for text in ("now cut the onion", "Thank you for the tomato", "ask not what your country can do"):
        assert not is_filler(text), text


def test_narration_of_a_video_and_the_warnings():
    n = narration_of("cartoon", [{"text": "Mm-hmm.", "start": 0, "end": 1}, {"text": "you", "start": 2, "end": 3}])
    assert n.filler_only and not n.narrated and n.sentences == 2
    talk = narration_of("jfk", [{"text": "ask not what your country can do for you", "start": 0, "end": 4}])
    assert talk.narrated and not talk.filler_only
    silent = Narration("silent", 0, 0)
    corpus = {"cartoon": n, "jfk": talk, "silent": silent}
    lines = describe(corpus)
    assert lines[0].startswith("3 videos, 3 sentences (1 videos narrated, 1 without text, 1 with filler only)")
    assert any("cartoon" in s and "filler only" in s for s in lines)
    assert any("silent" in s and "no text" in s for s in lines)
    said = " ".join(warnings(corpus))
    assert "only 1 of 3 videos are narrated" in said and "jfk" in said and "cartoon" in said
    assert warnings({"jfk": talk}) == []
    assert "no video has narration" in warnings({"silent": silent})[0]
