"""Result objects: Page → Line → Word, after docTR's ``io.elements``.

Boxes are ``(x0, y0, x1, y1)`` in pixels of the input image (after EXIF orientation), x to the right and y down.
Word boxes come from the CTC alignment: the time steps that produced a word's characters, mapped back to the
line's pixels, so they are as tight as the recogniser's stride (about 4 px at a 32 px line height) allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

Box = tuple[int, int, int, int]


@dataclass
class Word:
    """A run of non-space characters: NFC text, mean character confidence in [0, 1], box (px)."""

    text: str
    confidence: float
    box: Box

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 4), "box": list(self.box)}


@dataclass
class Line:
    """One recognised text line.

    Attributes:
        text: NFC text.
        confidence: mean per-character probability in [0, 1].
        box: (x0, y0, x1, y1) px.
        char_confidences: one probability per character of ``text``.
        words: the words of the line, left to right.
    """

    text: str
    confidence: float
    box: Box
    char_confidences: list[float] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 4), "box": list(self.box)}


def words_from_alignment(text: str, confidences: Sequence[float], spans: Sequence[tuple[int, int]],
                         step_px: float, box: Box) -> list[Word]:
    """Split a line into words at spaces, with boxes from the characters' CTC time-step spans.

    Args:
        spans: [start, end) time steps of each character of ``text``.
        step_px: width of a time step in line-image px (0: boxes fall back to the whole line).
        box: the line's box in the page.
    """
    x0, y0, x1, y1 = box
    words: list[Word] = []
    cur: list[int] = []

    def flush() -> None:
        if not cur:
            return
        wtext = "".join(text[i] for i in cur)
        conf = sum(confidences[i] for i in cur) / len(cur) if confidences else 0.0
        if step_px > 0 and len(spans) == len(text):
            wx0 = x0 + int(spans[cur[0]][0] * step_px)
            wx1 = min(x1, x0 + int(round(spans[cur[-1]][1] * step_px)))
            words.append(Word(wtext, conf, (wx0, y0, max(wx1, wx0 + 1), y1)))
        else:
            words.append(Word(wtext, conf, box))
        cur.clear()

    for i, ch in enumerate(text):
        if ch.isspace():
            flush()
        else:
            cur.append(i)
    flush()
    return words


@dataclass
class Block:
    """A paragraph: indices into :attr:`Page.lines` (in reading order) and the union box (px)."""

    lines: list[int]
    box: Box

    def to_dict(self) -> dict[str, Any]:
        return {"box": list(self.box), "lines": list(self.lines)}


@dataclass
class Page:
    """All lines read from one image, in reading order.

    Attributes:
        image: the source (path or a label).
        size: (width, height) px.
        lines: recognised lines, in reading order.
        blocks: paragraphs grouping the lines (empty for single-line reading).
    """

    image: str
    size: tuple[int, int]
    lines: list[Line] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Lines joined with newlines."""
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float:
        """Character-weighted mean confidence of the lines (0 when nothing was read)."""
        n = sum(len(line.text) for line in self.lines)
        if n == 0:
            return 0.0
        return sum(line.confidence * len(line.text) for line in self.lines) / n

    def to_dict(self) -> dict[str, Any]:
        d = {"image": self.image, "text": self.text, "confidence": round(self.confidence, 4),
             "lines": [line.to_dict() for line in self.lines]}
        if self.blocks:
            d["blocks"] = [b.to_dict() for b in self.blocks]
        return d
