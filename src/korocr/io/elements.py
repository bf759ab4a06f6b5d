"""Result objects: Page → Block → Line → Word, after docTR's ``io.elements``.

Boxes are ``(x0, y0, x1, y1)`` in pixels of the input image (after EXIF orientation), x to the right and y down.
Word boxes come from the CTC alignment: the time steps that produced a word's characters, mapped back to the
line's pixels, so they are as tight as the recogniser's stride (about 4 px at a 32 px line height) allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

Box = tuple[int, int, int, int]  # (x0, y0, x1, y1) px: korocr's one box type


@dataclass
class Word:
    """A run of non-space characters: NFC text, mean character confidence in [0, 1], box (px)."""

    text: str
    confidence: float
    box: Box

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 4), "box": list(self.box)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Word":
        return cls(d["text"], float(d["confidence"]), _box(d["box"]))


def union_box(boxes: Iterable[Box]) -> Box:
    """The smallest box (x0, y0, x1, y1) px holding all ``boxes``; (0, 0, 0, 0) for none."""
    boxes = list(boxes)
    if not boxes:
        return (0, 0, 0, 0)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _box(b) -> Box:
    return (int(b[0]), int(b[1]), int(b[2]), int(b[3]))


@dataclass
class Line:
    """One recognised text line.

    Attributes:
        text: NFC text.
        confidence: mean per-character probability in [0, 1].
        box: (x0, y0, x1, y1) px.
        char_confidences: one probability per character of ``text``.
        words: the words of the line, left to right.
        rotation: 180 for a line that was upside down on the page (read turned), else 0.
    """

    text: str
    confidence: float
    box: Box
    char_confidences: list[float] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    rotation: int = 0

    def to_dict(self, words: bool = True) -> dict[str, Any]:
        """``{"text", "confidence", "box", "char_confidences", "words"}`` (``words=False``: the first three),
        and ``rotation`` for a line read upside down."""
        d = {"text": self.text, "confidence": round(self.confidence, 4), "box": list(self.box)}
        if self.rotation:
            d["rotation"] = self.rotation
        if words:
            d["char_confidences"] = [round(c, 4) for c in self.char_confidences]
            d["words"] = [w.to_dict() for w in self.words]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Line":
        return cls(d["text"], float(d["confidence"]), _box(d["box"]), list(d.get("char_confidences", [])),
                   [Word.from_dict(w) for w in d.get("words", [])], int(d.get("rotation", 0)))


def words_from_alignment(text: str, confidences: Sequence[float], spans: Sequence[tuple[int, int]],
                         step_px: float, box: Box, offset_px: float = 0.0) -> list[Word]:
    """Split a line into words at spaces, with boxes from the characters' CTC time-step spans.

    Args:
        spans: [start, end) time steps of each character of ``text``.
        step_px: width of a time step in line-image px (0: boxes fall back to the whole line).
        box: the line's box in the page.
        offset_px: x (px) in the line image of time step 0.
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
            wx0 = max(x0, x0 + int(offset_px + spans[cur[0]][0] * step_px))
            wx1 = min(x1, x0 + int(round(offset_px + spans[cur[-1]][1] * step_px)))
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
    """A paragraph: its lines (in reading order, the same objects as in :attr:`Page.lines`) and their union
    box (px)."""

    lines: list[Line]
    box: Box

    def to_dict(self) -> dict[str, Any]:
        return {"box": list(self.box), "lines": [ln.to_dict() for ln in self.lines]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Block":
        return cls([Line.from_dict(x) for x in d["lines"]], _box(d["box"]))


def _next_on_row(a: Box, b: Box) -> bool:
    """Is ``b`` right of ``a`` on the same row (vertical overlap of at least half the lower one's height)?"""
    h = min(a[3] - a[1], b[3] - b[1])
    return h > 0 and b[0] >= a[2] - 0.25 * h and min(a[3], b[3]) - max(a[1], b[1]) >= 0.5 * h


@dataclass
class Page:
    """All lines read from one image, in reading order.

    Attributes:
        image: the source (path or a label).
        size: (width, height) px.
        lines: recognised lines, in reading order.
        blocks: paragraphs grouping the lines (empty for single-line reading).
        rotation: degrees the page was turned counter-clockwise before reading (boxes are in the turned page).
        skew: degrees its lines were tilted (clockwise positive) when the reader straightened it before
            detection (``Reader(deskew=…)``; boxes are still in the input's px); 0 when it was read as given.
    """

    image: str
    size: tuple[int, int]
    lines: list[Line] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    rotation: int = 0
    skew: float = 0.0

    @property
    def text(self) -> str:
        """The lines in reading order, one per text line, except that a line right of the previous one on the
        same row (a table's or receipt's next cell: item, quantity, price) follows it after a space, as
        Tesseract prints a row."""
        out: list[str] = []
        prev: Line | None = None
        for line in self.lines:
            if out and prev is not None and _next_on_row(prev.box, line.box):
                out[-1] += " " + line.text
            else:
                out.append(line.text)
            prev = line
        return "\n".join(out)

    @property
    def confidence(self) -> float:
        """Character-weighted mean confidence of the lines (0 when nothing was read)."""
        n = sum(len(line.text) for line in self.lines)
        if n == 0:
            return 0.0
        return sum(line.confidence * len(line.text) for line in self.lines) / n

    def block_line_indices(self) -> list[list[int]]:
        """Per block, the indices of its lines in :attr:`lines` (one block of every line when there are none)."""
        if not self.blocks:
            return [list(range(len(self.lines)))] if self.lines else []
        index = {id(ln): i for i, ln in enumerate(self.lines)}
        return [[index[id(ln)] for ln in b.lines] for b in self.blocks]

    def to_dict(self) -> dict[str, Any]:
        """The whole result, nested Page → blocks → lines → words; :meth:`from_dict` reads it back. A page read
        without layout analysis (single lines) has ``"blocks": null`` and its lines under ``"lines"``."""
        d: dict[str, Any] = {"image": self.image, "size": list(self.size), "text": self.text,
                             "confidence": round(self.confidence, 4), "rotation": self.rotation}
        if self.skew:
            d["skew"] = round(self.skew, 2)
        if self.blocks:
            d["blocks"] = [b.to_dict() for b in self.blocks]
        else:
            d["blocks"], d["lines"] = None, [ln.to_dict() for ln in self.lines]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Page":
        size = (int(d["size"][0]), int(d["size"][1]))
        if d.get("blocks"):
            blocks = [Block.from_dict(b) for b in d["blocks"]]
            return cls(d["image"], size, [ln for b in blocks for ln in b.lines], blocks, int(d.get("rotation", 0)),
                       float(d.get("skew", 0.0)))
        return cls(d["image"], size, [Line.from_dict(x) for x in d.get("lines", [])],
                   rotation=int(d.get("rotation", 0)), skew=float(d.get("skew", 0.0)))
