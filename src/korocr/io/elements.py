"""Result objects: Page → Line (→ Word in a later release), after docTR's ``io.elements``.

Boxes are ``(x0, y0, x1, y1)`` in pixels of the input image (after EXIF orientation), x to the right and y down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Line:
    """One recognised text line.

    Attributes:
        text: NFC text.
        confidence: mean per-character probability in [0, 1].
        box: (x0, y0, x1, y1) px.
        char_confidences: one probability per character of ``text``.
    """

    text: str
    confidence: float
    box: tuple[int, int, int, int]
    char_confidences: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 4), "box": list(self.box)}


@dataclass
class Page:
    """All lines read from one image, in reading order (top to bottom).

    Attributes:
        image: the source (path or a label).
        size: (width, height) px.
        lines: recognised lines.
    """

    image: str
    size: tuple[int, int]
    lines: list[Line] = field(default_factory=list)

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
        return {"image": self.image, "text": self.text, "confidence": round(self.confidence, 4),
                "lines": [line.to_dict() for line in self.lines]}
