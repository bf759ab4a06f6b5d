"""Image loading with clear errors.

:func:`load_image` accepts a path, bytes, a PIL image or a numpy array and returns RGB ``uint8`` (H, W, 3):
EXIF orientation is applied; grayscale, 1-bit, palette, CMYK, alpha (composited on white) and 16-bit/float
images are converted; Pillow's decompression-bomb guard stays on.  Every failure raises
:class:`ImageLoadError` naming the file and the problem.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import KorocrError

ImageSource = Union[str, Path, bytes, np.ndarray, Image.Image]


class ImageLoadError(KorocrError):
    """An image could not be read; ``str(err)`` is ``"<source>: <problem>"``."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


def _to_rgb(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        if mode.startswith("I;16") or hi > 255:
            arr = (arr - lo) / max(hi - lo, 1e-9) * 255.0
        gray = np.clip(arr, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if mode == "P":
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    if mode != "RGB":
        img = img.convert("RGB")
    return np.array(img, dtype=np.uint8)  # one writable copy of the pixels


def load_image(src: ImageSource, name: str | None = None) -> np.ndarray:
    """Load ``src`` as an RGB uint8 array (H, W, 3).

    Args:
        src: a file path, encoded bytes, a PIL image, or an array (H, W) / (H, W, 3|4) (RGB order).
        name: how to name the source in errors (default: the path, or ``"<bytes>"``).

    Raises:
        ImageLoadError: missing, empty, unreadable, truncated, corrupt or too large (decompression bomb).
    """
    if isinstance(src, np.ndarray):
        label = name or "<array>"
        if src.size == 0 or src.ndim not in (2, 3):
            raise ImageLoadError(label, f"empty or malformed array of shape {src.shape}")
        arr = src
        if arr.dtype != np.uint8:
            arr = np.clip(arr, 0, 255).astype(np.uint8)
        if arr.ndim == 2:
            return np.repeat(arr[..., None], 3, axis=2)
        if arr.shape[2] == 4:
            return _to_rgb(Image.fromarray(arr, "RGBA"))
        return np.ascontiguousarray(arr[..., :3])
    if isinstance(src, Image.Image):
        return _to_rgb(ImageOps.exif_transpose(src))

    if isinstance(src, (bytes, bytearray)):
        label = name or "<bytes>"
        data = bytes(src)
    else:
        path = Path(src)
        label = name or str(path)
        if "\0" in str(path):
            raise ImageLoadError(repr(label), "a NUL byte in the file name")
        if not path.exists():
            raise ImageLoadError(label, "no such file")
        if path.is_dir():
            raise ImageLoadError(label, "is a directory, not an image")
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ImageLoadError(label, f"cannot read file ({e.strerror or e})") from e
    if not data:
        raise ImageLoadError(label, "empty file (0 bytes)")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            if img.width == 0 or img.height == 0:
                raise ImageLoadError(label, "image has zero width or height")
            ImageOps.exif_transpose(img, in_place=True)  # no copy of an upright image
            return _to_rgb(img)
    except Image.DecompressionBombError as e:
        raise ImageLoadError(label, f"image is too large (Pillow decompression-bomb guard: {e})") from e
    except UnidentifiedImageError as e:
        raise ImageLoadError(label, "not a readable image (unknown format or corrupt header)") from e
    except ImageLoadError:
        raise
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageLoadError(label, f"truncated or corrupt image data ({e})") from e
