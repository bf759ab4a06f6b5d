"""Dataset conversion, splitting, merging, statistics and charset derivation (``korocr dataset ...``).

Every write validates each image (it must decode and be non-empty) and each label (non-empty), and returns a
:class:`ConvertReport` in which ``read == written + rejected`` always holds; the report is also saved as JSON
next to the output.  Outputs: an LMDB in deep-text-recognition-benchmark's layout, or a folder with
``images/`` and ``labels.tsv``.
"""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from PIL import Image

from ..text.charsets import Charset
from .datasets import Sample
from .lmdb import validate_image_bytes


@dataclass
class ConvertReport:
    """Counts of a write: ``read == written + len(rejected)``."""

    read: int = 0
    written: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    output: str = ""

    def summary(self) -> str:
        return (f"{self.output}: read {self.read}, written {self.written}, rejected {len(self.rejected)}"
                + ("" if self.read == self.written + len(self.rejected) else "  (COUNTS DO NOT ADD UP)"))

    def to_dict(self) -> dict:
        reasons = Counter(r.split(":")[0] if r.startswith(("corrupt", "cannot read")) else r
                          for _, r in self.rejected)
        return {"output": self.output, "read": self.read, "written": self.written,
                "rejected": len(self.rejected), "rejected_by_reason": dict(reasons),
                "rejected_items": [{"key": k, "reason": r} for k, r in self.rejected]}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")


def _image_bytes(s: Sample) -> tuple[bytes | None, str | None]:
    if s.error:
        return None, s.error
    if isinstance(s.image, (bytes, bytearray)):
        data = bytes(s.image)
    elif s.image is None:
        return None, "no image"
    else:
        try:
            data = Path(s.image).read_bytes()
        except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
            return None, f"cannot read image file {s.image!r} ({getattr(e, 'strerror', None) or e})"
    if not s.text.strip():
        return None, "empty label"
    why = validate_image_bytes(data)
    return (None, why) if why else (data, None)


def _ext(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as im:
        fmt = (im.format or "PNG").lower()
    return {"jpeg": ".jpg", "tiff": ".tif"}.get(fmt, f".{fmt}")


def write_dataset(samples: Iterable[Sample], out: str | Path, to: str = "lmdb") -> ConvertReport:
    """Validate and write samples as an LMDB (``to="lmdb"``) or a folder (``to="folder"``).

    Raises:
        ValueError: unknown ``to``.
    """
    if to not in ("lmdb", "folder"):
        raise ValueError(f"output must be 'lmdb' or 'folder', got {to!r}")
    out = Path(out)
    report = ConvertReport(output=str(out))

    def checked() -> Iterator[tuple[str, bytes, str]]:
        for s in samples:
            report.read += 1
            data, why = _image_bytes(s)
            if why:
                report.rejected.append((s.key, why))
                continue
            yield s.key, data, s.text  # type: ignore[misc]

    if to == "lmdb":
        from .lmdb import write_lmdb

        lrep = write_lmdb(out, checked())
        report.written = lrep.written
        report.rejected += lrep.rejected
    else:
        (out / "images").mkdir(parents=True, exist_ok=True)
        with open(out / "labels.tsv", "w", encoding="utf-8", newline="\n") as fh:
            for key, data, text in checked():
                name = f"images/{report.written + 1:09d}{_ext(data)}"
                (out / name).write_bytes(data)
                fh.write(f"{name}\t{text.replace(chr(10), chr(92) + 'n')}\n")
                report.written += 1
    report.save(out / "report.json")
    return report


def split_samples(samples: Sequence[Sample], ratios: Sequence[float], seed: int = 0) -> list[list[Sample]]:
    """Shuffle with ``seed`` and cut into parts by ``ratios`` (normalised to sum 1); deterministic; every sample
    lands in exactly one part (the last part takes the rounding remainder).

    Raises:
        ValueError: a negative ratio or all zero.
    """
    if any(r < 0 for r in ratios) or sum(ratios) <= 0:
        raise ValueError(f"ratios must be >= 0 and not all zero, got {list(ratios)}")
    idx = list(range(len(samples)))
    random.Random(seed).shuffle(idx)
    total = sum(ratios)
    parts, start = [], 0
    for k, r in enumerate(ratios):
        end = len(idx) if k == len(ratios) - 1 else start + int(round(len(idx) * r / total))
        parts.append([samples[i] for i in idx[start:end]])
        start = end
    return parts


@dataclass
class DatasetStats:
    samples: int = 0
    errors: int = 0
    chars: Counter = field(default_factory=Counter)
    outside: Counter = field(default_factory=Counter)
    heights: Counter = field(default_factory=Counter)
    aspects: Counter = field(default_factory=Counter)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self, top: int = 50) -> dict:
        return {"samples": self.samples, "bad_rows": self.errors, "unreadable_images": len(self.unreadable),
                "distinct_chars": len(self.chars), "top_chars": self.chars.most_common(top),
                "chars_outside_charset": dict(self.outside.most_common()),
                "height_px_histogram": dict(sorted(self.heights.items())),
                "aspect_w_over_h_histogram": dict(sorted(self.aspects.items()))}


def _bucket(v: float, edges: Sequence[float]) -> str:
    for lo, hi in zip(edges, edges[1:]):
        if lo <= v < hi:
            return f"{lo:g}-{hi:g}"
    return f">={edges[-1]:g}"


def dataset_stats(samples: Iterable[Sample], charset: Charset | None = None, images: bool = True) -> DatasetStats:
    """Sample count, character frequencies, characters outside ``charset``, image height and aspect histograms."""
    st = DatasetStats()
    for s in samples:
        if s.error:
            st.errors += 1
            continue
        st.samples += 1
        st.chars.update(ch for ch in s.text if ch != "\n")
        if charset is not None:
            st.outside.update(charset.missing(s.text.replace("\n", "")))
        if images and s.image is not None:
            try:
                src = io.BytesIO(s.image) if isinstance(s.image, (bytes, bytearray)) else s.image
                with Image.open(src) as im:
                    w, h = im.size
            except Exception as e:  # noqa: BLE001 - reported, not fatal
                st.unreadable.append((s.key, str(e)))
                continue
            st.heights[_bucket(h, [0, 16, 32, 48, 64, 96, 128, 256, 512])] += 1
            st.aspects[_bucket(w / max(h, 1), [0, 0.5, 1, 2, 4, 8, 16, 32])] += 1
    return st


def derive_charset(samples: Iterable[Sample], base: Charset | None = None) -> Charset:
    """The charset of ``base`` plus every character in the labels (in order of first appearance)."""
    return Charset.from_text((s.text for s in samples if not s.error), base=base)
