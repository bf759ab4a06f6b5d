"""LMDB datasets in clovaai deep-text-recognition-benchmark's layout.

Keys: ``num-samples`` (ASCII integer), ``image-%09d`` (encoded image bytes) and ``label-%09d`` (UTF-8 text),
indices starting at 1 — the layout ``create_lmdb_dataset.py`` writes, so datasets move both ways.
Requires the ``lmdb`` package (``pip install korocr[train]``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from PIL import Image

from ..text.charsets import nfc


def _lmdb():
    try:
        import lmdb
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError("LMDB support needs the 'lmdb' package: pip install 'korocr[train]'") from e
    return lmdb


@dataclass
class WriteReport:
    """What a write did: ``read == written + len(rejected)`` always holds."""

    read: int = 0
    written: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)

    def summary(self) -> str:
        return f"read {self.read}, written {self.written}, rejected {len(self.rejected)}"


def validate_image_bytes(data: bytes) -> str | None:
    """Return why ``data`` is not a usable image, or None if it decodes to a non-empty image."""
    if not data:
        return "empty image data"
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            if im.width == 0 or im.height == 0:
                return "zero-size image"
    except Exception as e:  # noqa: BLE001 - any decoder failure means a corrupt image
        return f"corrupt image ({type(e).__name__}: {e})"
    return None


def write_lmdb(path: str | Path, samples: Iterable[tuple[str, bytes | Path, str]], map_size: int = 1 << 36,
               commit_every: int = 1000) -> WriteReport:
    """Write (key, image bytes or path, text) samples; each image is decoded first and bad ones are rejected.

    Returns:
        A :class:`WriteReport`; rejected items carry a reason (missing file, corrupt image, empty label).
    """
    lmdb = _lmdb()
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    env = lmdb.open(str(path), map_size=map_size)
    report = WriteReport()
    cache: dict[bytes, bytes] = {}
    idx = 1
    for key, img, text in samples:
        report.read += 1
        if isinstance(img, Path) or isinstance(img, str):
            try:
                data = Path(img).read_bytes()
            except OSError as e:
                report.rejected.append((key, f"cannot read image file {img} ({e.strerror or e})"))
                continue
        else:
            data = img
        text = nfc(text)
        if not text.strip():
            report.rejected.append((key, "empty label"))
            continue
        why = validate_image_bytes(data)
        if why:
            report.rejected.append((key, why))
            continue
        cache[b"image-%09d" % idx] = data
        cache[b"label-%09d" % idx] = text.encode("utf-8")
        report.written += 1
        idx += 1
        if len(cache) >= 2 * commit_every:
            with env.begin(write=True) as txn:
                for k, v in cache.items():
                    txn.put(k, v)
            cache = {}
    cache[b"num-samples"] = str(report.written).encode()
    with env.begin(write=True) as txn:
        for k, v in cache.items():
            txn.put(k, v)
    env.close()
    return report


_ENVS: dict[str, object] = {}


def _open_readonly(path: Path):
    """One read-only environment per folder and process (LMDB refuses to open the same one twice)."""
    key = str(path.resolve())
    if key not in _ENVS:
        _ENVS[key] = _lmdb().open(key, readonly=True, lock=False, readahead=False, meminit=False)
    return _ENVS[key]


class LmdbDataset:
    """Random access to an LMDB dataset (read-only)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not (self.path / "data.mdb").is_file():
            raise FileNotFoundError(f"{self.path}: no data.mdb (not an LMDB dataset)")
        self.env = _open_readonly(self.path)
        with self.env.begin() as txn:
            n = txn.get(b"num-samples")
        if n is None:
            raise ValueError(f"{self.path}: LMDB has no 'num-samples' key")
        self.n = int(n)

    def __len__(self) -> int:
        return self.n

    def raw(self, i: int) -> tuple[str, bytes, str]:
        """(key, image bytes, text) of the ``i``-th sample (0-based)."""
        k = i + 1
        with self.env.begin() as txn:
            img = txn.get(b"image-%09d" % k)
            lab = txn.get(b"label-%09d" % k)
        if img is None or lab is None:
            raise KeyError(f"{self.path}: sample {k} missing")
        return f"image-{k:09d}", bytes(img), lab.decode("utf-8")
