"""Korean text: charsets, normalisation and jamo helpers."""

from .charsets import Charset, ascii_printable, compat_jamo, hangul_syllables, korean_symbols, ksx1001_hangul, nfc
from .jamo import compose, decompose, to_jamo

__all__ = [
    "Charset",
    "ascii_printable",
    "compat_jamo",
    "compose",
    "decompose",
    "hangul_syllables",
    "korean_symbols",
    "ksx1001_hangul",
    "nfc",
    "to_jamo",
]
