"""Labelled text-image datasets on disk: readers that yield :class:`Sample` items.

Formats (``fmt`` names; :func:`open_dataset` detects them from what a folder holds):

* ``tsv`` — ``labels.tsv``: ``path<TAB>text`` (korocr's and ``../shared/data/real``'s format; a literal ``\\n``
  separates the lines of a multi-line image);
* ``gt`` — ``gt*.txt``: ``path<TAB>text`` (deep-text-recognition-benchmark's ``create_lmdb_dataset.py`` input);
* ``labels`` — ``labels.txt``: ``name text`` split at the first space (TextRecognitionDataGenerator ``-na 2``,
  kocrnn); images next to it or in ``images/``;
* ``aihub`` — AI Hub "한국어 글자체 이미지" JSON: ``annotations[].image_id`` → ``images[].file_name``, the text
  in ``annotations[].text``, ``attributes`` kept as metadata;
* ``sidecar`` — a folder of images each with a ``.txt`` file of the same stem holding its text;
* ``hiertext`` — HierText ground truth (one JSON with ``annotations``, or JSON Lines with one annotation per
  line): ``image_id`` → ``paragraphs[].lines[].words[]`` with ``vertices``, ``text``, ``legible``,
  ``vertical``, ``handwritten``; yields line (or word) crops;
* ``lmdb`` — an LMDB folder (``data.mdb``) in deep-text-recognition-benchmark's layout.

Label files may be UTF-8 with or without BOM, LF or CRLF; a non-UTF-8 file raises :class:`DatasetError`
naming the file and line.  A bad row (missing field, empty label, unknown image id) does not stop reading: it
is yielded as a :class:`Sample` whose ``error`` says what is wrong, so a conversion can report it.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import KorocrError
from ..text.charsets import nfc

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif")
FORMATS = ("auto", "tsv", "gt", "labels", "aihub", "sidecar", "hiertext", "lmdb")


class DatasetError(KorocrError):
    """A dataset or label file cannot be read at all; the message names the file (and line)."""


@dataclass
class Sample:
    """One labelled item.

    Attributes:
        key: a name for reports (file name, LMDB key, ``image_id#line``).
        image: a path, or encoded image bytes (LMDB, crops).
        text: NFC label (``\\n`` between lines of a multi-line image).
        meta: extra attributes (AI Hub ``attributes``; HierText ``vertical``/``handwritten``).
        error: why this row is unusable, or None.
    """

    key: str
    image: Path | bytes | None
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line_no = raw[: e.start].count(b"\n") + 1
        raise DatasetError(f"{path}:{line_no}: not valid UTF-8 (byte 0x{raw[e.start]:02x}); "
                           f"re-save the label file as UTF-8") from None


def _label_error(text: str) -> str | None:
    return "empty label" if not text.strip() else None


def read_tab_labels(path: str | Path, root: str | Path | None = None) -> Iterator[Sample]:
    """``path<TAB>text`` rows (labels.tsv, gt_*.txt); image paths are relative to ``root`` (default: the file's
    folder).

    Raises:
        DatasetError: the file is not UTF-8.
    """
    path = Path(path)
    root = Path(root) if root else path.parent
    for i, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        if "\t" not in line:
            yield Sample(f"{path.name}:{i}", None, "", error=f"{path}:{i}: expected 'image<TAB>text', "
                                                              f"got {line[:60]!r}")
            continue
        name, text = line.split("\t", 1)
        text = nfc(text.replace("\\n", "\n"))
        yield Sample(name, root / name, text, error=_label_error(text))


def read_space_labels(path: str | Path, root: str | Path | None = None) -> Iterator[Sample]:
    """``name text`` rows split at the first space (labels.txt; TRDG ``-na 2``); images are looked up in
    ``root``, then ``root/images``.

    Raises:
        DatasetError: the file is not UTF-8.
    """
    path = Path(path)
    root = Path(root) if root else path.parent
    img_dir = root / "images" if (root / "images").is_dir() else root
    for i, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        name, _, text = line.partition(" ")
        text = nfc(text)
        yield Sample(name, img_dir / name, text, error=_label_error(text) and f"{path}:{i}: empty label")


def read_aihub_json(path: str | Path, images: str | Path | None = None) -> Iterator[Sample]:
    """AI Hub "한국어 글자체 이미지" labels: each annotation's ``image_id`` is looked up in ``images[]`` for its
    ``file_name`` (under ``images``, default: the JSON's folder, or its ``images/`` sub-folder).

    Raises:
        DatasetError: not JSON, or no ``images``/``annotations`` lists.
    """
    path = Path(path)
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise DatasetError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if isinstance(data, dict) and "annotations" not in data and "annoations" in data:
        data["annotations"] = data["annoations"]  # a misspelling found in circulated AI Hub label files
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) or \
            not isinstance(data.get("annotations"), list):
        raise DatasetError(f"{path}: expected an AI Hub JSON with 'images' and 'annotations' lists")
    root = Path(images) if images else (path.parent / "images" if (path.parent / "images").is_dir() else path.parent)
    files = {str(im.get("id")): im.get("file_name") for im in data["images"] if isinstance(im, dict)}
    for k, ann in enumerate(data["annotations"]):
        if not isinstance(ann, dict):
            yield Sample(f"annotations[{k}]", None, "", error=f"{path}: annotations[{k}] is not an object")
            continue
        image_id = str(ann.get("image_id"))
        text = nfc(str(ann.get("text") or ""))
        meta = dict(ann.get("attributes") or {})
        fname = files.get(image_id)
        if not fname:
            yield Sample(f"image_id {image_id}", None, text, meta,
                         error=f"{path}: annotations[{k}] image_id {image_id!r} has no entry in 'images'")
            continue
        yield Sample(fname, root / fname, text, meta, error=_label_error(text))


def read_sidecar_folder(folder: str | Path) -> Iterator[Sample]:
    """Images with a same-stem ``.txt`` holding the text (UTF-8; surrounding whitespace stripped)."""
    folder = Path(folder)
    for img in sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        txt = img.with_suffix(".txt")
        key = str(img.relative_to(folder))
        if not txt.is_file():
            yield Sample(key, img, "", error=f"{txt}: missing label file")
            continue
        text = nfc(_read_text(txt).strip())
        yield Sample(key, img, text, error=_label_error(text))


def _hiertext_annotations(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(f"{path}: not valid UTF-8 at byte {e.start}") from None
    stripped = text.lstrip()
    if stripped.startswith("{") and '"annotations"' in stripped[:2000]:
        try:
            data = json.loads(text)
            if isinstance(data.get("annotations"), list):
                yield from data["annotations"]
                return
        except json.JSONDecodeError:
            pass  # JSON Lines whose first object happens to mention "annotations"
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(f"{path}:{i}: not valid JSON ({e.msg})") from None


def _hiertext_pages(path, images, level: str):
    """(annotation, image_id, image path or None, image folder) per page of a HierText-style file."""
    if level not in ("line", "word"):
        raise ValueError(f"level must be 'line' or 'word', got {level!r}")
    path = Path(path)
    root = Path(images) if images else path.parent
    for ann in _hiertext_annotations(path):
        image_id = str(ann.get("image_id"))
        img_path = next((d / f"{image_id}{s}" for d in (root, root / "images") for s in (".jpg", ".png", ".jpeg")
                         if (d / f"{image_id}{s}").is_file()), None)
        yield ann, image_id, img_path, root


def crop_quad(img, vertices: list[list[float]]):
    """Crop the axis-aligned bounding box of ``vertices`` from a PIL image (clipped to the image)."""
    xs = [v[0] for v in vertices]
    ys = [v[1] for v in vertices]
    x0, y0 = max(0, int(min(xs))), max(0, int(min(ys)))
    x1, y1 = min(img.width, int(round(max(xs)))), min(img.height, int(round(max(ys))))
    if x1 <= x0 or y1 <= y0:
        return None
    return img.crop((x0, y0, x1, y1))


def read_hiertext(path: str | Path, images: str | Path | None = None, level: str = "line",
                  keep_illegible: bool = False) -> Iterator[Sample]:
    """Crops of HierText lines (``level="line"``) or words (``"word"``) with their text.

    Images are ``{images}/{image_id}.jpg`` (default folder: the annotation file's).  Illegible items are
    yielded with an ``error`` unless ``keep_illegible``.  ``meta`` holds ``vertical``, ``handwritten``,
    ``vertices`` and ``image_id``.

    Raises:
        ValueError: ``level`` not "line" or "word".
    """
    from PIL import Image

    for ann, image_id, img_path, root in _hiertext_pages(path, images, level):
        items = []
        for p, para in enumerate(ann.get("paragraphs", [])):
            for li, line in enumerate(para.get("lines", [])):
                if level == "line":
                    items.append((f"{image_id}#p{p}l{li}", line))
                else:
                    items += [(f"{image_id}#p{p}l{li}w{wi}", w) for wi, w in enumerate(line.get("words", []))]
        if img_path is None:
            for key, it in items:
                yield Sample(key, None, nfc(it.get("text", "")), error=f"{root}/{image_id}.jpg: image not found")
            continue
        with Image.open(img_path) as im:
            im = im.convert("RGB")
            for key, it in items:
                text = nfc(it.get("text", ""))
                meta = {"image_id": image_id, "vertical": bool(it.get("vertical")),
                        "handwritten": bool(it.get("handwritten")), "vertices": it.get("vertices")}
                if not it.get("legible", True) and not keep_illegible:
                    yield Sample(key, None, text, meta, error="illegible")
                    continue
                crop = crop_quad(im, it.get("vertices") or [])
                if crop is None:
                    yield Sample(key, None, text, meta, error="empty or invalid vertices")
                    continue
                buf = io.BytesIO()
                crop.save(buf, "PNG")
                yield Sample(key, buf.getvalue(), text, meta, error=_label_error(text))


@dataclass
class PageAnnotation:
    """One annotated page of a HierText-style file, for detector training and evaluation.

    Attributes:
        image_id: the annotation's ``image_id``.
        image: the image file, or None when it was not found (then ``error`` says so).
        polygons: text-line (or word) outlines, each (K, 2) float32 px, K ≥ 4 (HierText ``vertices``).
        texts, legible, vertical: per polygon.
    """

    image_id: str
    image: Path | None
    polygons: list[Any]
    texts: list[str]
    legible: list[bool]
    vertical: list[bool]
    error: str | None = None


def read_hiertext_pages(path: str | Path, images: str | Path | None = None, level: str = "line"
                        ) -> Iterator[PageAnnotation]:
    """Pages of a HierText-style annotation file with their line (or word) polygons.

    Images are ``{images}/{image_id}.jpg|.png`` or ``{images}/images/...`` (default folder: the annotation
    file's).  Items with fewer than 3 vertices are skipped; a page whose image is missing is yielded with an
    ``error``.

    Raises:
        DatasetError: the file is not UTF-8 or not JSON / JSON Lines.
        ValueError: ``level`` not "line" or "word".
    """
    import numpy as np

    for ann, image_id, img_path, root in _hiertext_pages(path, images, level):
        page = PageAnnotation(image_id, img_path, [], [], [], [],
                              None if img_path else f"{root}/images/{image_id}.jpg: image not found")
        for para in ann.get("paragraphs", []):
            for line in para.get("lines", []):
                for it in ([line] if level == "line" else line.get("words", [])):
                    v = it.get("vertices") or []
                    if len(v) < 3:
                        continue
                    page.polygons.append(np.asarray(v, np.float32).reshape(-1, 2))
                    page.texts.append(nfc(it.get("text", "")))
                    page.legible.append(bool(it.get("legible", True)))
                    page.vertical.append(bool(it.get("vertical", line.get("vertical", False))))
        yield page


def read_lmdb(path: str | Path) -> Iterator[Sample]:
    """Samples of a deep-text-recognition-benchmark LMDB (``num-samples``, ``image-%09d``, ``label-%09d``)."""
    from .lmdb import LmdbDataset

    ds = LmdbDataset(path)
    for i in range(len(ds)):
        key, img, text = ds.raw(i)
        yield Sample(key, img, nfc(text))


def detect_format(path: str | Path) -> str:
    """The format name of a dataset path (see the module docstring).

    Raises:
        DatasetError: nothing recognisable at ``path``.
    """
    p = Path(path)
    if p.is_file():
        name = p.name.lower()
        if name == "labels.txt":
            return "labels"
        if name.endswith((".jsonl", ".jsonl.gz")):
            return "hiertext"
        if name.endswith(".json"):
            head = p.read_bytes()[:4096].decode("utf-8", "ignore")
            return "hiertext" if '"paragraphs"' in head else "aihub"
        if name.startswith("gt"):
            return "gt"
        return "tsv"
    if not p.is_dir():
        raise DatasetError(f"{p}: no such dataset folder or label file")
    if (p / "data.mdb").is_file():
        return "lmdb"
    if (p / "labels.tsv").is_file():
        return "tsv"
    if sorted(p.glob("gt*.txt")):
        return "gt"
    if (p / "labels.txt").is_file():
        return "labels"
    if any(f.suffix.lower() == ".txt" for f in p.iterdir()) and \
            any(f.suffix.lower() in IMAGE_SUFFIXES for f in p.iterdir()):
        return "sidecar"
    raise DatasetError(f"{p}: no labels.tsv, gt*.txt, labels.txt, data.mdb or image+.txt pairs found")


def open_dataset(path: str | Path, fmt: str = "auto", images: str | Path | None = None,
                 level: str = "line") -> Iterator[Sample]:
    """Open a dataset folder or label file.

    Args:
        fmt: one of :data:`FORMATS`; ``auto`` detects it.
        images: image folder for formats whose label file names images (default: next to the labels).
        level: HierText crops, ``line`` or ``word``.

    Raises:
        DatasetError: unknown format or nothing recognisable at ``path``.
    """
    p = Path(path)
    if fmt not in FORMATS:
        raise DatasetError(f"unknown dataset format {fmt!r}; choose from {FORMATS}")
    fmt = detect_format(p) if fmt == "auto" else fmt
    if fmt == "lmdb":
        return read_lmdb(p)
    if fmt == "sidecar":
        return read_sidecar_folder(p)
    if p.is_dir():
        candidates = {"tsv": [p / "labels.tsv"], "gt": sorted(p.glob("gt*.txt")), "labels": [p / "labels.txt"],
                      "aihub": sorted(p.glob("*.json")), "hiertext": sorted(p.glob("*.json*"))}[fmt]
        if not candidates or not candidates[0].is_file():
            raise DatasetError(f"{p}: no label file for format {fmt!r}")
        p = candidates[0]
    if fmt in ("tsv", "gt"):
        return read_tab_labels(p, images)
    if fmt == "labels":
        return read_space_labels(p, images)
    if fmt == "aihub":
        return read_aihub_json(p, images)
    return read_hiertext(p, images, level=level)
