"""Character sets for Korean OCR.

Every class of characters is defined by a rule or a data file, never by literals scattered in code:

* :func:`hangul_syllables` — all 11,172 modern precomposed syllables (U+AC00–U+D7A3).
* :func:`ksx1001_hangul` — the 2,350 syllables of KS X 1001 (those that encode to exactly two bytes in EUC-KR).
* :func:`compat_jamo` — the 51 modern Hangul compatibility jamo (U+3131–U+3163).
* :func:`ascii_printable` — the 94 printable ASCII characters without space (U+0021–U+007E).
* :func:`korean_symbols` — symbols common in Korean text (₩ · … ① → ※ 「」 …), from ``data/symbols.txt``.
* :func:`basic_hanja` — the 1,800 basic Hanja taught in Korean schools (한문 교육용 기초 한자), from
  ``data/hanja_basic.tsv`` (Unihan ``kHangul`` source E; ``scripts/build_hanja_list.py``).

A :class:`Charset` is an ordered list of characters; class index 0 is reserved for the CTC blank, so
character ``charset[i]`` has class ``i + 1``.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

HANGUL_FIRST = 0xAC00
HANGUL_LAST = 0xD7A3
SPACE = " "


def nfc(text: str) -> str:
    """Return ``text`` in Unicode Normalization Form C (composed Hangul syllables)."""
    return unicodedata.normalize("NFC", text)


def decompose_hangul(text: str) -> str:
    """Hangul syllables of ``text`` as conjoining jamo (U+1100–U+11C2, NFD); other characters unchanged."""
    return "".join(unicodedata.normalize("NFD", ch) if HANGUL_FIRST <= ord(ch) <= HANGUL_LAST else ch
                   for ch in nfc(text))


@lru_cache(maxsize=None)
def conjoining_jamo() -> str:
    """The 67 modern conjoining jamo: 19 initial consonants (U+1100–1112), 21 vowels (U+1161–1175) and 27 final
    consonants (U+11A8–11C2); NFD of the 11,172 syllables uses exactly these."""
    return "".join(chr(c) for r in ((0x1100, 0x1113), (0x1161, 0x1176), (0x11A8, 0x11C3)) for c in range(*r))


@lru_cache(maxsize=None)
def hangul_syllables() -> str:
    """All 11,172 modern Hangul syllables, in code-point order."""
    return "".join(chr(c) for c in range(HANGUL_FIRST, HANGUL_LAST + 1))


@lru_cache(maxsize=None)
def ksx1001_hangul() -> str:
    """The 2,350 Hangul syllables of KS X 1001 (EUC-KR two-byte codes), in code-point order.

    Python's EUC-KR codec encodes the other syllables as 8-byte sequences, so the two-byte test is exact.
    """
    return "".join(ch for ch in hangul_syllables() if len(ch.encode("euc-kr")) == 2)


@lru_cache(maxsize=None)
def compat_jamo() -> str:
    """The 51 modern Hangul compatibility jamo ㄱ … ㅣ (U+3131–U+3163)."""
    return "".join(chr(c) for c in range(0x3131, 0x3164))


@lru_cache(maxsize=None)
def ascii_printable() -> str:
    """The 94 printable ASCII characters, space excluded."""
    return "".join(chr(c) for c in range(0x21, 0x7F))


@lru_cache(maxsize=None)
def korean_symbols() -> str:
    """Symbols used in Korean text, read from the packaged ``symbols.txt`` (one per line, NFC)."""
    raw = resources.files("korocr.text").joinpath("data/symbols.txt").read_text(encoding="utf-8")
    out: list[str] = []
    for line in raw.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        ch = nfc(line)
        if ch not in out:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=None)
def hanja_readings() -> dict[str, str]:
    """The 1,800 basic Hanja (한문 교육용 기초 한자) → their first Hangul reading (Unihan ``kHangul``), in
    code-point order, from the packaged ``hanja_basic.tsv``."""
    raw = resources.files("korocr.text").joinpath("data/hanja_basic.tsv").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in raw.splitlines():
        if line and not line.startswith("#"):
            ch, reading = line.split("\t")[:2]
            out[ch] = reading
    return out


@lru_cache(maxsize=None)
def basic_hanja() -> str:
    """The 1,800 basic Hanja taught in Korean schools (한문 교육용 기초 한자), in code-point order."""
    return "".join(hanja_readings())


CHARSET_CLASSES = {
    "hangul": hangul_syllables,
    "ksx1001": ksx1001_hangul,
    "jamo": compat_jamo,
    "conjoining": conjoining_jamo,
    "ascii": ascii_printable,
    "symbols": korean_symbols,
    "hanja": basic_hanja,
}


@dataclass
class Charset:
    """An ordered set of characters a recognition model predicts.

    Index 0 of the model's output is the CTC blank (or the attention decoder's special tokens); the
    character ``chars[i]`` is class ``i + 1``.  The space character may be part of the set.
    """

    chars: list[str]
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        seen: dict[str, int] = {}
        clean: list[str] = []
        for ch in self.chars:
            ch = nfc(ch)
            if len(ch) != 1:
                raise ValueError(f"charset entries must be single characters, got {ch!r}")
            if ch not in seen:
                seen[ch] = len(clean) + 1
                clean.append(ch)
        self.chars = clean
        self._index = seen
        # jamo-composed output: syllables are predicted as conjoining jamo and composed back by NFC on decoding
        self.decomposes = "\u1100" in seen and "\uac00" not in seen

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def from_classes(cls, names: Sequence[str], space: bool = True) -> "Charset":
        """Build a charset from class names (keys of :data:`CHARSET_CLASSES`).

        Raises:
            KeyError: an unknown class name.
        """
        chars: list[str] = [SPACE] if space else []
        for name in names:
            if name not in CHARSET_CLASSES:
                raise KeyError(f"unknown charset class {name!r}; known: {sorted(CHARSET_CLASSES)}")
            chars.extend(CHARSET_CLASSES[name]())
        return cls(chars)

    @classmethod
    def default(cls) -> "Charset":
        """Space, ASCII, symbols, compatibility jamo and all 11,172 syllables (11,421 characters)."""
        return cls.from_classes(["ascii", "symbols", "jamo", "hangul"])

    @classmethod
    def default_jamo(cls) -> "Charset":
        """Like :meth:`default` but Hangul syllables are spelled with the 67 conjoining jamo (CTC over jamo,
        composed back with NFC): 11,465 → 360 characters."""
        return cls.from_classes(["ascii", "symbols", "jamo", "conjoining"])

    @classmethod
    def default_jamo_hanja(cls) -> "Charset":
        """:meth:`default_jamo` followed by the 1,800 basic Hanja (:func:`basic_hanja`): 2,160 characters."""
        return cls.from_classes(["ascii", "symbols", "jamo", "conjoining", "hanja"])

    @classmethod
    def resolve(cls, spec: str) -> "Charset":
        """``"default"``, ``"default-jamo"``, ``"default-jamo-hanja"`` or a charset file (see :meth:`load`)."""
        if spec == "default":
            return cls.default()
        if spec == "default-jamo":
            return cls.default_jamo()
        if spec == "default-jamo-hanja":
            return cls.default_jamo_hanja()
        return cls.load(spec)

    @classmethod
    def from_text(cls, texts: Iterable[str], base: "Charset | None" = None) -> "Charset":
        """Extend ``base`` (or an empty set) with every character seen in ``texts``, keeping base order."""
        chars = list(base.chars) if base else []
        have = set(chars)
        split = decompose_hangul if base is not None and base.decomposes else nfc
        for t in texts:
            for ch in split(t):
                if ch not in have and ch not in "\n\r\t":
                    have.add(ch)
                    chars.append(ch)
        return cls(chars)

    # --- (de)serialisation --------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(self.chars, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> "Charset":
        return cls(json.loads(data))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Charset":
        """Load a charset file: a JSON list of characters, or plain text with one character per line.

        Raises:
            ValueError: the file holds neither format.
        """
        path = Path(path)
        text = path.read_text(encoding="utf-8-sig")
        if text.lstrip().startswith("["):
            return cls.from_json(text)
        chars = []
        for line in text.splitlines():
            if line == "":
                continue
            if len(nfc(line)) != 1:
                raise ValueError(f"{path}: line {line!r} is not a single character")
            chars.append(line)
        return cls(chars)

    # --- use ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, ch: str) -> bool:
        return ch in self._index

    @property
    def num_classes(self) -> int:
        """Output classes of a CTC model: characters + 1 blank."""
        return len(self.chars) + 1

    def encode(self, text: str) -> list[int]:
        """Class indices (1-based) of ``text`` after NFC.

        Raises:
            KeyError: a character is not in the charset.
        """
        out = []
        for ch in (decompose_hangul(text) if self.decomposes else nfc(text)):
            try:
                out.append(self._index[ch])
            except KeyError:
                raise KeyError(f"character {ch!r} (U+{ord(ch):04X}) is not in the charset") from None
        return out

    def decode(self, indices: Iterable[int]) -> str:
        """Characters of 1-based class indices (0 = blank is skipped)."""
        return nfc("".join(self.chars[i - 1] for i in indices if i > 0))

    def missing(self, text: str) -> set[str]:
        """Characters of ``text`` that the charset does not hold."""
        return {ch for ch in (decompose_hangul(text) if self.decomposes else nfc(text)) if ch not in self._index}
