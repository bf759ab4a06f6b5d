"""Labelled line-image datasets on disk: readers that yield (image, text) samples.

Formats (detected by :func:`open_dataset` from what the folder holds):

* ``labels.tsv`` — ``path<TAB>text`` (korocr's and ``../shared/data/real``'s format; a literal ``\\n`` in
  the text separates the lines of a multi-line image);
* ``gt*.txt`` — ``path<TAB>text`` (deep-text-recognition-benchmark's ``create_lmdb_dataset.py`` input);
* ``labels.txt`` — ``name text`` split at the first space (TextRecognitionDataGenerator ``-na 2``, kocrnn);
* an LMDB folder (``data.mdb``) in deep-text-recognition-benchmark's layout.

Label files may be UTF-8 with or without BOM, LF or CRLF.  A malformed row raises :class:`DatasetError`
naming the file and line; a missing or unreadable image is reported per sample by the consumer (see
``korocr eval``), so one bad item never stops a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..text.charsets import nfc


class DatasetError(Exception):
    """A label file cannot be parsed; the message names the file and line."""


@dataclass
class Sample:
    """One labelled item: ``image`` is a path (files) or encoded bytes (LMDB); ``key`` names it in reports."""

    key: str
    image: Path | bytes
    text: str


def _read_label_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line_no = raw[: e.start].count(b"\n") + 1
        raise DatasetError(f"{path}:{line_no}: not valid UTF-8 (byte 0x{raw[e.start]:02x}); "
                           f"re-save the label file as UTF-8") from None
    return text.splitlines()


def read_tab_labels(path: str | Path, root: str | Path | None = None) -> Iterator[Sample]:
    """``path<TAB>text`` rows (labels.tsv, gt_*.txt); image paths are relative to ``root`` (default: the file's
    folder).

    Raises:
        DatasetError: a non-empty row without a tab, or a non-UTF-8 file.
    """
    path = Path(path)
    root = Path(root) if root else path.parent
    for i, line in enumerate(_read_label_lines(path), 1):
        if not line.strip():
            continue
        if "\t" not in line:
            raise DatasetError(f"{path}:{i}: expected 'image<TAB>text', got {line[:60]!r}")
        name, text = line.split("\t", 1)
        yield Sample(name, root / name, nfc(text.replace("\\n", "\n")))


def read_space_labels(path: str | Path, root: str | Path | None = None) -> Iterator[Sample]:
    """``name text`` rows split at the first space (labels.txt; TRDG ``-na 2``); images are looked up in
    ``root``, then ``root/images``.

    Raises:
        DatasetError: a row with no space, or a non-UTF-8 file.
    """
    path = Path(path)
    root = Path(root) if root else path.parent
    img_dir = root / "images" if (root / "images").is_dir() else root
    for i, line in enumerate(_read_label_lines(path), 1):
        if not line.strip():
            continue
        if " " not in line:
            raise DatasetError(f"{path}:{i}: expected 'name text', got {line[:60]!r}")
        name, text = line.split(" ", 1)
        yield Sample(name, img_dir / name, nfc(text))


def read_lmdb(path: str | Path) -> Iterator[Sample]:
    """Samples of a deep-text-recognition-benchmark LMDB (``num-samples``, ``image-%09d``, ``label-%09d``)."""
    from .lmdb import LmdbDataset

    ds = LmdbDataset(path)
    for i in range(len(ds)):
        key, img, text = ds.raw(i)
        yield Sample(key, img, text)


def open_dataset(path: str | Path) -> Iterator[Sample]:
    """Open a dataset folder or label file, detecting its format.

    Raises:
        DatasetError: nothing recognisable at ``path``.
    """
    p = Path(path)
    if p.is_file():
        if p.name == "labels.txt":
            return read_space_labels(p)
        return read_tab_labels(p)
    if not p.is_dir():
        raise DatasetError(f"{p}: no such dataset folder or label file")
    if (p / "data.mdb").is_file():
        return read_lmdb(p)
    for name in ("labels.tsv",):
        if (p / name).is_file():
            return read_tab_labels(p / name)
    gts = sorted(p.glob("gt*.txt"))
    if gts:
        return read_tab_labels(gts[0])
    if (p / "labels.txt").is_file():
        return read_space_labels(p / "labels.txt")
    raise DatasetError(f"{p}: no labels.tsv, gt*.txt, labels.txt or data.mdb found")
