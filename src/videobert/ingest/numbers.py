"""Digits -> words for ASR text: "2 eggs" -> "two eggs".

Whisper writes numbers as digits, while captions and the synthetic narration spell them out
(the narrator never says a digit; espeak-ng reads "2" as "two" anyway), and the text model's
vocabulary sees "two" far more often than "2". So every whole number 0-999 that stands alone in
an ASR word is spelled out the way English text writes it: "7" -> "seven", "21" -> "twenty-one",
"105" -> "one hundred five", "999" -> "nine hundred ninety-nine". Punctuation around it stays
("2." -> "two.", "(3)" -> "(three)", "2-3" -> "two-three").

Left as written, on purpose: numbers >= 1000 and digit groups ("1,000", "2024"), decimals
("3.5"), ordinals and other digit+letter mixes ("2nd", "5kg", "3x"), and leading-zero forms
("007", "05"), which are codes or times rather than counts, and numbers with a unit sign
attached ("$5", "10%", "180°").
"""
from __future__ import annotations

import re

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

# A run of 1-3 digits with no digit, letter, or digit-joining "." / "," on either side, and no
# unit sign attached ("$5", "#3", "10%", "180°" stay).
_NUMBER = re.compile(r"(?<![\w.,$£€#])\d{1,3}(?![\w%°])(?![.,]\d)")


def number_to_words(n: int) -> str:
    """English words for an integer 0-999 ("twenty-one", "one hundred five")."""
    if not 0 <= n <= 999:
        raise ValueError(f"number_to_words handles 0-999, got {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + (f" {number_to_words(rest)}" if rest else "")


def _spell(m: re.Match) -> str:
    digits = m.group(0)
    if len(digits) > 1 and digits[0] == "0":  # "05", "007": a code or a time, not a count
        return digits
    return number_to_words(int(digits))


def normalize_numbers(text: str) -> str:
    """Spell out each standalone whole number 0-999 in `text`; everything else is unchanged."""
    return _NUMBER.sub(_spell, text)
