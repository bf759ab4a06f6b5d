"""Hangul jamo decomposition and composition (Unicode 3.12, "Hangul Syllable Decomposition").

A modern syllable is ``0xAC00 + (L * 21 + V) * 28 + T`` with 19 initial consonants (L), 21 vowels (V) and
27 final consonants plus "none" (T).  The helpers below return compatibility jamo (ㄱ, ㅏ, …), the form people
type and that appears in OCR charsets.
"""

from __future__ import annotations

from .charsets import HANGUL_FIRST, HANGUL_LAST

CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
JONGSEONG = ["", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"]

_N_V, _N_T = len(JUNGSEONG), len(JONGSEONG)


def is_hangul_syllable(ch: str) -> bool:
    """True for a precomposed modern syllable (가 … 힣)."""
    return len(ch) == 1 and HANGUL_FIRST <= ord(ch) <= HANGUL_LAST


def decompose(syllable: str) -> tuple[str, str, str]:
    """Split one syllable into (initial, vowel, final) compatibility jamo; final is ``""`` when absent.

    Raises:
        ValueError: ``syllable`` is not a single modern Hangul syllable.
    """
    if not is_hangul_syllable(syllable):
        raise ValueError(f"not a Hangul syllable: {syllable!r}")
    idx = ord(syllable) - HANGUL_FIRST
    l, rest = divmod(idx, _N_V * _N_T)
    v, t = divmod(rest, _N_T)
    return CHOSEONG[l], JUNGSEONG[v], JONGSEONG[t]


def compose(initial: str, vowel: str, final: str = "") -> str:
    """Build the syllable from compatibility jamo; the inverse of :func:`decompose`.

    Raises:
        ValueError: a jamo is not valid in its position.
    """
    try:
        l, v, t = CHOSEONG.index(initial), JUNGSEONG.index(vowel), JONGSEONG.index(final)
    except ValueError:
        raise ValueError(f"cannot compose ({initial!r}, {vowel!r}, {final!r})") from None
    return chr(HANGUL_FIRST + (l * _N_V + v) * _N_T + t)


def to_jamo(text: str) -> str:
    """Replace each syllable of ``text`` by its jamo; other characters pass through (``"한글"`` → ``"ㅎㅏㄴㄱㅡㄹ"``)."""
    return "".join("".join(decompose(ch)) if is_hangul_syllable(ch) else ch for ch in text)
