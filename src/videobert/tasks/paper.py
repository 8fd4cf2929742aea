"""The paper's reported numbers, printed beside ours with ``eval --reference youcook2``.

Source: Sun et al., "VideoBERT: A Joint Model for Video and Language Representation
Learning", ICCV 2019 (arXiv:1904.01766), YouCook II validation. Only the numbers this project
has transcribed are here; the others print as "–" (see the paper's tables).
"""
from __future__ import annotations

REFERENCES = ("youcook2",)
SOURCE = "Sun et al., VideoBERT, ICCV 2019 (arXiv:1904.01766)"

# Table 1, zero-shot action classification, % (verb top-1, verb top-5, object top-1, object top-5).
TABLE1 = {
    "youcook2": [
        ("paper: VideoBERT cross-modal (YouCook II val.)", (3.2, 43.3, 13.1, 33.7)),
    ],
}
TABLE1_NOTE = {
    "youcook2": f"Paper rows: Table 1 of {SOURCE}, YouCook II validation, labels = the 45 most common verbs and "
                "100 most common nouns of the captions by a part-of-speech tagger (as read from its text). Its "
                "language-prior rows (BERT, VideoBERT) are far lower than its cross-modal row; they are not "
                "transcribed here.",
}

# Table 3, captioning: BLEU-3, BLEU-4, METEOR, ROUGE-L (x100) and CIDEr (as printed: not x100).
TABLE3 = {
    "youcook2": [
        ("paper: Zhou et al. 2018 (as quoted; METEOR per the leaderboard's erratum)", (None, None, 10.68, None, None)),
        ("paper: S3D features only", (None, 3.24, 9.52, 26.09, 0.31)),
        ("paper: VideoBERT + S3D", (7.59, 4.33, 11.94, 28.80, 0.55)),
    ],
}
TABLE3_NOTE = {
    "youcook2": f"Paper rows: Table 3 of {SOURCE}, YouCook II validation. The YouCook II leaderboard notes an "
                "erratum for the Zhou et al. baseline the paper quotes: its METEOR is 10.68, not 11.55. "
                "\u2013: not transcribed here (see the paper).",
}


def check_reference(name: str | None) -> str | None:
    if name is not None and name not in REFERENCES:
        raise ValueError(f"--reference {name!r}: known references are {', '.join(REFERENCES)}")
    return name


def cell(value: float | None, digits: int = 1) -> str:
    return "\u2013" if value is None else f"{value:.{digits}f}"
