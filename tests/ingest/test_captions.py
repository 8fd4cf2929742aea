import json
import unicodedata

import pytest

from videobert.corpus import Sentence
from videobert.ingest.annotations import annotation_sentences
from videobert.ingest.captions import CaptionError, caption_words, find_captions, parse_cues, parse_timestamp
from videobert.ingest.sentences import Word, split_sentences, words_from_text


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_timestamps():
    assert parse_timestamp("00:01:02.500") == 62.5
    assert parse_timestamp("01:02.5") == 62.5  # VTT without hours; short fraction
    assert parse_timestamp("1:00:00,040") == 3600.04  # SRT comma
    for bad in ("00:61:00.000", "1.5", "aa:bb:cc.ddd", "00:00:00"):
        with pytest.raises(ValueError):
            parse_timestamp(bad)


def test_vtt_tags_entities_settings(tmp_path):
    p = write(tmp_path, "v.vtt", (
        "\ufeffWEBVTT\nKind: captions\n\nNOTE a comment\n\nSTYLE\n::cue { color: red }\n\n"
        "intro\n00:00:01.000 --> 00:00:02.000 align:start position:0%\n"
        "<v Chef><i>Slice</i> the &amp; onion</v>\n\n"
        "00:00:02.000 --> 00:00:03.500\nthen<00:00:02.500><c> fry</c> it {\\an8}\n"
    ))
    cues = parse_cues(p)
    assert [(c.start, c.end, c.lines) for c in cues] == [
        (1.0, 2.0, ("Slice the & onion",)),
        (2.0, 3.5, ("then fry it",)),
    ]


def test_srt_and_overlapping_cues_sorted(tmp_path):
    p = write(tmp_path, "v.srt", (
        "1\r\n00:00:05,000 --> 00:00:07,000\r\nsecond line\r\n\r\n"
        "2\r\n00:00:01,000 --> 00:00:06,000\r\nfirst, long\r\nand two lines\r\n"
    ))
    cues = parse_cues(p)
    assert [c.lines for c in cues] == [("first, long", "and two lines"), ("second line",)]
    words = caption_words(p)
    assert [w.text for w in words] == ["first,", "long", "and", "two", "lines", "second", "line"]
    assert words[0].start == 1.0 and words[4].end == pytest.approx(6.0) and words[-1].end == 7.0


def test_youtube_rolling_lines_deduplicated(tmp_path):
    p = write(tmp_path, "yt.en.vtt", (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:02.340 align:start position:0%\n \n"
        "hello<00:00:00.320><c> everyone</c><00:00:00.640><c> welcome</c>\n\n"
        "00:00:02.340 --> 00:00:02.350 align:start position:0%\nhello everyone welcome\n \n\n"
        "00:00:02.350 --> 00:00:05.000 align:start position:0%\nhello everyone welcome\n"
        "to<00:00:02.800><c> my</c><00:00:03.100><c> kitchen</c>\n\n"
        "00:00:05.000 --> 00:00:05.010 align:start position:0%\nto my kitchen\n \n\n"
        "00:00:05.010 --> 00:00:07.000 align:start position:0%\nto my kitchen\nhello everyone\n"
    ))
    text = " ".join(w.text for w in caption_words(p))
    assert text == "hello everyone welcome to my kitchen hello everyone"


def test_bad_timestamps_name_file_and_line(tmp_path):
    p = write(tmp_path, "bad.vtt", "WEBVTT\n\n00:00:0x.000 --> 00:00:03.000\nbad\n\n00:00:04.000 --> 00:00:02.000\nbad\n")
    with pytest.raises(CaptionError, match=r"bad\.vtt:3: bad timestamp.*and 1 more bad cue; no cue could be read"):
        parse_cues(p)
    p = write(tmp_path, "rev.srt", "1\n00:00:03,000 --> 00:00:02,000\nbackwards\n")
    with pytest.raises(CaptionError, match=r"rev\.srt:2: cue ends before it starts"):
        parse_cues(p)
    p = write(tmp_path, "none.srt", "just some text\n")
    with pytest.raises(CaptionError, match="no cues"):
        parse_cues(p)


@pytest.mark.parametrize("name, text, line", [
    ("rev.vtt", "WEBVTT\n\n00:00:04.000 --> 00:00:02.000\nEnd before start.\n\n"
     "00:00:04.000 --> 00:00:05.000\nNormal\n\n00:00:06.000 --> 00:00:0x.000\nbad time\n\n"
     "00:00:07.000 --> 00:00:08.000\ncue.\n", 3),
    ("rev.srt", "1\n00:00:01,000 --> 00:00:02,000\nNormal\n\n2\n00:00:05,000 --> 00:00:03,000\nbackwards\n\n"
     "3\n00:00:0x,000 --> 00:00:09,000\nbad time\n\n4\n00:00:06,000 --> 00:00:07,000\ncue.\n", 6),
    ("rev.ass", "[Events]\nFormat: Start, End, Text\nDialogue: 0:00:01.00,0:00:02.00,Normal\n"
     "Dialogue: 0:00:05.00,0:00:03.00,backwards\nDialogue: 0:00:07.00\nDialogue: 0:00:06.00,0:00:07.00,cue.\n", 4),
    ("rev.sbv", "0:00:01.000,0:00:02.000\nNormal\n\n0:00:05.000,0:00:03.000\nbackwards\n\n"
     "stray paragraph\nof two lines\n\n0:00:06.000,0:00:07.000\ncue.\n", 4),
])
def test_bad_cues_are_skipped_with_one_warning_and_the_rest_read(tmp_path, caplog, name, text, line):
    p = write(tmp_path, name, text)
    with caplog.at_level("WARNING", logger="videobert.ingest.captions"):
        words = [w.text for w in caption_words(p)]
    assert words == ["Normal", "cue."]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1  # one per file, not one per cue
    assert f"{p}:{line}:" in warnings[0] and "skipped 2 bad cues of 4" in warnings[0]


def test_find_captions_order(tmp_path):
    video = tmp_path / "a" / "cook.mp4"
    video.parent.mkdir()
    video.write_bytes(b"")
    other = tmp_path / "caps"
    other.mkdir()
    assert find_captions(video, other) is None
    write(other, "cook.srt", "")
    assert find_captions(video, other) == other / "cook.srt"
    write(video.parent, "cook.en.vtt", "")
    assert find_captions(video, other) == video.parent / "cook.en.vtt"  # beside the video first
    write(video.parent, "cook.vtt", "")
    assert find_captions(video, other) == video.parent / "cook.vtt"


def test_find_captions_reads_yt_dlp_language_variants_and_any_letter_case(tmp_path):
    from videobert.ingest.captions import _listing

    video = tmp_path / "Cook.mp4"
    video.write_bytes(b"")
    assert find_captions(video) is None
    for name in ("Cook.de.vtt", "Cook.en-orig.vtt.part", "Cooking.en.vtt", "Cook.en-US.vtt.json"):
        write(tmp_path, name, "")  # another language, yt-dlp's partial file, another video, not captions
    _listing.cache_clear()
    assert find_captions(video) is None
    write(tmp_path, "Cook.en-orig.vtt", "")
    write(tmp_path, "Cook.en-US.vtt", "")
    _listing.cache_clear()  # (a real folder's new files change its mtime; the test's may not, within a tick)
    assert find_captions(video) == tmp_path / "Cook.en-orig.vtt"  # English variants by name: en-orig < en-us
    write(tmp_path, "cook.EN.SRT", "")
    _listing.cache_clear()
    assert find_captions(video) == tmp_path / "cook.EN.SRT"  # the plain suffixes first, in any case
    write(tmp_path, "Cook.en.srt", "")
    assert find_captions(video) == tmp_path / "Cook.en.srt"  # the exact name before another case
    assert find_captions(video, names=("x",)) == tmp_path / "Cook.en.srt"


def test_sentences_punctuation_pauses_and_max_length():
    words = words_from_text("Cut the onion. Now fry it! Done", 0.0, 10.0)
    s = split_sentences(words)
    assert [x.text for x in s] == ["Cut the onion.", "Now fry it!", "Done"]
    assert s[0].start == 0.0 and s[-1].end == 10.0 and s[0].end == s[1].start
    asr = [Word("cut", 0, 0.4), Word("onion", 0.5, 0.9), Word("now", 2.0, 2.3), Word("fry", 2.4, 2.8)]
    assert split_sentences(asr, pause=0.6) == [Sentence("cut onion", 0, 0.9), Sentence("now fry", 2.0, 2.8)]
    many = [Word(f"w{i}", i * 0.1, i * 0.1 + 0.05) for i in range(10)]
    assert [len(x.text.split()) for x in split_sentences(many, max_words=4)] == [4, 4, 2]


def test_annotations(tmp_path):
    p = write(tmp_path, "yc2.json", json.dumps({"database": {"abc": {"subset": "training", "annotations": [
        {"id": 1, "segment": [30, 40], "sentence": "fry the onion"},
        {"id": 0, "segment": [10, 20], "sentence": "cut the onion"},
    ]}}}))
    assert annotation_sentences(str(p), "abc") == [Sentence("cut the onion", 10, 20), Sentence("fry the onion", 30, 40)]
    assert annotation_sentences(str(p), "other") is None
    bad = write(tmp_path, "bad.json", json.dumps({"database": {"abc": {"annotations": [{"segment": [5]}]}}}))
    with pytest.raises(ValueError, match="annotation 0"):
        annotation_sentences(str(bad), "abc")


YT_AUTO = """WEBVTT
Kind: captions
Language: en

00:00:00.030 --> 00:00:02.500 align:start position:0%
\x20
hey<00:00:00.539><c> guys</c><00:00:00.750><c> welcome</c><00:00:01.020><c> back</c>

00:00:02.500 --> 00:00:02.510 align:start position:0%
hey guys welcome back
\x20

00:00:02.510 --> 00:00:05.000 align:start position:0%
hey guys welcome back
to<00:00:03.000><c> my</c><00:00:03.240><c> kitchen</c>

00:00:05.000 --> 00:00:05.010 align:start position:0%
to my kitchen
\x20

00:00:05.010 --> 00:00:07.900 align:start position:0%
to my kitchen
[Music]

00:00:07.900 --> 00:00:07.910 align:start position:0%
[Music]
\x20

00:00:07.910 --> 00:00:10.000 align:start position:0%
[Music]
today<00:00:08.400><c> we</c><00:00:08.700><c> make</c><00:00:09.100><c> bread</c>
"""


def test_youtube_automatic_captions_keep_word_times(tmp_path):
    words = caption_words(write(tmp_path, "auto.en.vtt", YT_AUTO))
    # a word ends at the next one's start, or sooner: after its characters (+1) at the file's median
    # pace (here 0.1 s per character: "guys" 0.539 -> 0.75 is 0.211 / 5, the median of the 11)
    assert [(w.text, round(w.start, 3), round(w.end, 3)) for w in words] == [
        ("hey", 0.03, 0.43), ("guys", 0.539, 0.75), ("welcome", 0.75, 1.02), ("back", 1.02, 1.52),
        ("to", 2.51, 2.81), ("my", 3.0, 3.24), ("kitchen", 3.24, 4.04),
        # the untimed new line "[Music]" is a sound tag, not speech: no word
        ("today", 7.91, 8.4), ("we", 8.4, 8.7), ("make", 8.7, 9.1), ("bread", 9.1, 9.7),
    ]  # each word once: the rolling copies of the lines are dropped
    sents = split_sentences(words, pause=0.6, max_words=5)
    assert [(s.text, s.start, s.end) for s in sents][:2] == [("hey guys welcome back", 0.03, 1.52), ("to my kitchen", 2.51, 4.04)]


def test_manual_vtt_with_a_stray_inline_timestamp_keeps_cue_spreading(tmp_path):
    """Only word-timed lines take their words' times; other cues of such a file are spread as before."""
    words = caption_words(write(tmp_path, "m.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nslice the onion\n\n"
                                                   "00:00:03.000 --> 00:00:05.000\nthen<00:00:04.000><c> fry</c>\n"))
    assert [(w.text, round(w.start, 3), round(w.end, 3)) for w in words] == [
        ("slice", 1.0, 1.769), ("the", 1.769, 2.231), ("onion", 2.231, 3.0), ("then", 3.0, 4.0), ("fry", 4.0, 5.0)]


def youtube_auto_vtt(lines: list[list[tuple[str, float]]], tail: float = 2.0) -> str:
    """YouTube's automatic-caption layout (as yt-dlp writes it) for lines of (word, onset): each
    line's cue repeats the previous line untimed above its own word-timed one and lasts until the
    next line starts, then a 10 ms cue shows the line alone."""
    def ts(t: float) -> str:
        return f"00:{int(t // 60):02d}:{t % 60:06.3f}"

    out = ["WEBVTT\nKind: captions\nLanguage: en\n"]
    prev = "\x20"
    for k, line in enumerate(lines):
        start = line[0][1]
        end = lines[k + 1][0][1] - 0.01 if k + 1 < len(lines) else line[-1][1] + tail
        timed = line[0][0] + "".join(f"<{ts(t)}><c> {w}</c>" for w, t in line[1:])
        text = " ".join(w for w, _ in line)
        out += [f"{ts(start)} --> {ts(end)} align:start position:0%\n{prev}\n{timed}\n",
                f"{ts(end)} --> {ts(end + 0.01)} align:start position:0%\n{text}\n\x20\n"]
        prev = text
    return "\n".join(out)


def test_youtube_automatic_captions_split_at_pauses(tmp_path):
    """Automatic captions have no punctuation and time only each word's start; a silence of at
    least `sentence_pause` between words (once each word is given its spoken length at the
    file's pace) ends a sentence, as for ASR, instead of every 24 words."""
    from videobert.ingest.config import IngestConfig
    from videobert.ingest.pipeline import video_text

    script = ("so today we are going to make a really simple tomato soup | first we chop the onions "
              "and the garlic quite finely | then we heat some olive oil in a big pot and add them "
              "with a pinch of salt ~ and stir until soft")
    lines, t, line = [], 0.0, []
    for tok in script.split():
        if tok in "|~":  # | a 1.0 s silence, ~ a 0.4 s hesitation (under the 0.6 s pause)
            t += 1.0 if tok == "|" else 0.4
            continue
        if len(line) == 7:
            lines.append(line)
            line = []
        line.append((tok, round(t, 3)))
        t += 0.06 * (len(tok) + 1)  # a steady 0.06 s per character
    lines.append(line)
    vtt = write(tmp_path, "soup.en.vtt", youtube_auto_vtt(lines))
    words = caption_words(vtt)
    assert " ".join(w.text for w in words) == script.replace(" | ", " ").replace(" ~ ", " ")
    sents = split_sentences(words, pause=0.6)
    assert [s.text for s in sents] == [
        "so today we are going to make a really simple tomato soup",  # the silence falls inside a line
        "first we chop the onions and the garlic quite finely",  # ... and here between two lines
        "then we heat some olive oil in a big pot and add them with a pinch of salt and stir until soft"]
    assert sents[0].end == pytest.approx(words[11].start + 0.06 * 5, abs=1e-3)  # "soup" said, not the silence
    assert sents[1].start == words[12].start
    # the ingest pipeline takes the same rule with its sentence_pause
    (tmp_path / "soup.mp4").write_bytes(b"")
    sents, source = video_text(str(tmp_path / "soup.mp4"), "soup", IngestConfig(asr="none"))
    assert source == f"captions:{vtt}" and len(sents) == 3
    sents, _ = video_text(str(tmp_path / "soup.mp4"), "soup", IngestConfig(asr="none", sentence_pause=1.5))
    assert [len(s.text.split()) for s in sents] == [24, 20]  # no silence that long: the 24-word cap


ASS = """\ufeff[Script Info]
Title: cooking
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour
Style: Default,Arial,20,&H00FFFFFF

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:03.50,0:00:05.00,Default,,0,0,0,,Now, stir it{\\i1} gently{\\i0}
Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,a note for the editor
Dialogue: 0,0:00:00.25,0:00:02.10,Default,,0,0,0,,{\\an8}Cut the onion\\Ninto &amp; rings
Dialogue: 0,0:00:02.00,0:00:03.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}
"""


def test_ass_dialogue_lines_are_cues(tmp_path):
    cues = parse_cues(write(tmp_path, "cook.ass", ASS))
    assert [(c.start, c.end, c.lines) for c in cues] == [
        (0.25, 2.1, ("Cut the onion", "into & rings")),  # sorted; \N breaks, tags and entities gone
        (3.5, 5.0, ("Now, stir it gently",)),  # commas in the text field are text
    ]  # the Comment line and the vector drawing are not text
    assert [w.text for w in caption_words(tmp_path / "cook.ass")][:3] == ["Cut", "the", "onion"]
    # SSA (v4) files name fields in their own order ("Marked" first); the Format line says which
    ssa = ("[Events]\nFormat: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
           "Dialogue: Marked=0,0:01:02.5,0:01:04.00,*Default,NTP,0000,0000,0000,,fry, then serve\n")
    assert [(c.start, c.end, c.lines) for c in parse_cues(write(tmp_path, "x.ssa", ssa))] == [(62.5, 64.0, ("fry, then serve",))]


@pytest.mark.parametrize("text, message", [
    ("[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,hi\n", r"before the \[Events\] Format line"),
    ("[Events]\nFormat: Start, End, Text\nDialogue: 0:00:01.00,0:00:02.00\n", "2 fields, the Format line names 3"),
    ("[Events]\nFormat: Start, End, Text\nDialogue: 0:00:01.00,0:99:02.00,hi\n", "bad timestamp"),
    ("[Events]\nFormat: Start, End, Text\nDialogue: 0:00:03.00,0:00:02.00,hi\n", "ends before it starts"),
    ("[Script Info]\nTitle: x\n", r"no \[Events\] section"),
])
def test_bad_ass_names_file_and_line(tmp_path, text, message):
    with pytest.raises(CaptionError, match=message) as e:
        parse_cues(write(tmp_path, "bad.ass", text))
    assert "bad.ass" in str(e.value)


def test_find_captions_reads_ass_after_vtt_and_srt(tmp_path):
    from videobert.ingest.captions import _listing

    video = tmp_path / "cook.mp4"
    video.write_bytes(b"")
    write(tmp_path, "COOK.SSA", "")
    _listing.cache_clear()
    assert find_captions(video) == tmp_path / "COOK.SSA"  # any letter case, as the others
    write(tmp_path, "cook.en.ass", "")
    assert find_captions(video) == tmp_path / "cook.en.ass"
    write(tmp_path, "cook.ass", "")
    assert find_captions(video) == tmp_path / "cook.ass"
    write(tmp_path, "cook.en.srt", "")
    assert find_captions(video) == tmp_path / "cook.en.srt"  # WebVTT / SRT before ASS
    (tmp_path / "cook.en.srt").unlink()
    (tmp_path / "cook.ass").unlink()
    (tmp_path / "cook.en.ass").unlink()
    (tmp_path / "COOK.SSA").unlink()
    write(tmp_path, "cook.en-GB.ass", "")
    _listing.cache_clear()
    assert find_captions(video) == tmp_path / "cook.en-GB.ass"  # yt-dlp's language variants too


@pytest.mark.parametrize("line, words", [
    (">> JOHN: [Music] now add the salt (slowly)", "now add the salt (slowly)"),  # parentheses inside a line stay
    ("[Applause]", ""), ("(upbeat music)", ""), ("♪ la la la ♪", ""), ("♪", ""),
    ("so [ __ ] hot", "so hot"),  # YouTube's bleeped word
    ("ok >> MARY: yes, stir it", "ok yes, stir it"), ("- Is it done?", "Is it done?"), ("MAN 2: cut the onion", "cut the onion"),
    ("ADD THE SALT: NOW", "ADD THE SALT: NOW"),  # all capitals: no label to tell apart
    ("Note: add salt", "Note: add salt"), ("heat to -5 degrees", "heat to -5 degrees"), ("x>>y", "x>>y"),
])
def test_caption_lines_keep_only_what_is_spoken(line, words):
    from videobert.ingest.captions import clean_line

    assert clean_line(line) == words


def test_sound_tags_and_speaker_marks_leave_no_words_in_any_caption_format(tmp_path):
    srt = "1\n00:00:01,000 --> 00:00:02,000\n[MUSIC PLAYING]\n\n2\n00:00:02,000 --> 00:00:04,000\n>> CHEF: Now dice it.\n- Like this?\n"
    assert [w.text for w in caption_words(write(tmp_path, "a.srt", srt))] == ["Now", "dice", "it.", "Like", "this?"]
    vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<i>(sizzling)</i>\n\n00:00:01.000 --> 00:00:02.000\n&gt;&gt; flip it\n"
    assert [w.text for w in caption_words(write(tmp_path, "a.vtt", vtt))] == ["flip", "it"]
    ass = "[Events]\nFormat: Start, End, Text\nDialogue: 0:00:00.00,0:00:01.00,{\\i1}♪ tra la ♪{\\i0}\\Nstir well\n"
    assert [w.text for w in caption_words(write(tmp_path, "a.ass", ass))] == ["stir", "well"]


def test_sbv_from_youtube_studio(tmp_path):
    sbv = ("0:00:00.599,0:00:04.160\n>> ALICE: Hi, let's slice\nthe bread.\n\n"
           "0:00:04.160,0:00:06.770\n[Music]\n\n0:00:06.770,0:00:08.000\nNow toast it.\n")
    cues = parse_cues(write(tmp_path, "cook.sbv", sbv))
    assert [(c.start, c.end, c.lines) for c in cues] == [
        (0.599, 4.16, ("Hi, let's slice", "the bread.")), (4.16, 6.77, ()), (6.77, 8.0, ("Now toast it.",))]
    assert " ".join(w.text for w in caption_words(tmp_path / "cook.sbv")) == "Hi, let's slice the bread. Now toast it."
    with pytest.raises(CaptionError, match=r"bad.sbv:1: expected a cue timing"):
        parse_cues(write(tmp_path, "bad.sbv", "00:00:01,000 --> 00:00:02,000\nhi\n"))  # SRT timing in an .sbv
    with pytest.raises(CaptionError, match=r"bad2.sbv:1: cue ends before it starts"):  # no cue left to read
        parse_cues(write(tmp_path, "bad2.sbv", "0:00:05.000,0:00:02.000\nho\n"))
    video = tmp_path / "cook.mp4"
    video.write_bytes(b"")
    assert find_captions(video) == tmp_path / "cook.sbv"


def test_captions_are_matched_whatever_the_unicode_normalization_of_the_names(tmp_path):
    """A video copied from a Mac is named decomposed (NFD), its captions made elsewhere composed (NFC)."""
    nfd, nfc = (unicodedata.normalize(form, "café bébé") for form in ("NFD", "NFC"))
    assert nfd != nfc
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / f"{nfd}.mp4").write_bytes(b"")
    (tmp_path / "v" / f"{nfc}.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n")
    assert find_captions(tmp_path / "v" / f"{nfd}.mp4") == tmp_path / "v" / f"{nfc}.vtt"
    # the other way round, in --captions DIR, and a yt-dlp English variant
    (tmp_path / "w").mkdir()
    (tmp_path / "caps").mkdir()
    (tmp_path / "w" / f"{nfc}.mp4").write_bytes(b"")
    (tmp_path / "caps" / f"{nfd}.en-US.vtt").write_text("WEBVTT\n")
    assert find_captions(tmp_path / "w" / f"{nfc}.mp4", tmp_path / "caps") == tmp_path / "caps" / f"{nfd}.en-US.vtt"
