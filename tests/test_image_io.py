import io

import numpy as np
import pytest
from PIL import Image

from korocr.io.image import ImageLoadError, load_image


def _rgb(w=40, h=20):
    arr = np.zeros((h, w, 3), np.uint8)
    arr[:, : w // 2] = (255, 0, 0)
    return arr


@pytest.mark.parametrize("fmt,ext", [("PNG", "png"), ("JPEG", "jpg"), ("BMP", "bmp"), ("TIFF", "tif"),
                                     ("WEBP", "webp")])
def test_formats(tmp_path, fmt, ext):
    p = tmp_path / f"x.{ext}"
    Image.fromarray(_rgb()).save(p, fmt)
    arr = load_image(p)
    assert arr.shape == (20, 40, 3) and arr.dtype == np.uint8
    assert arr[10, 5, 0] > 200 and arr[10, 35, 0] < 50


def test_modes(tmp_path):
    g = Image.fromarray(np.full((10, 12), 128, np.uint8), "L")
    assert load_image(g).shape == (10, 12, 3)
    rgba = Image.new("RGBA", (6, 6), (0, 0, 0, 0))  # fully transparent -> white
    assert load_image(rgba)[0, 0].tolist() == [255, 255, 255]
    pal = Image.fromarray(_rgb()).convert("P")
    assert load_image(pal).shape == (20, 40, 3)
    a16 = np.zeros((8, 8), np.uint16)
    a16[:, 4:] = 60000
    p = tmp_path / "g16.png"
    Image.fromarray(a16).save(p)
    out = load_image(p)
    assert out[0, 0, 0] == 0 and out[0, 7, 0] == 255
    assert load_image(Image.new("1", (5, 5), 1)).shape == (5, 5, 3)


def test_exif_orientation(tmp_path):
    img = Image.fromarray(_rgb(40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    p = tmp_path / "rot.jpg"
    img.save(p, exif=exif.tobytes())
    assert load_image(p).shape == (40, 20, 3)


def test_errors_name_the_file(tmp_path):
    with pytest.raises(ImageLoadError, match="missing.png: no such file"):
        load_image(tmp_path / "missing.png")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageLoadError, match="empty.png: empty file"):
        load_image(empty)
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"this is not an image")
    with pytest.raises(ImageLoadError, match="junk.jpg: not a readable image"):
        load_image(junk)
    buf = io.BytesIO()
    Image.fromarray(_rgb(200, 200)).save(buf, "PNG")
    trunc = tmp_path / "trunc.png"
    trunc.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageLoadError, match="trunc.png: truncated or corrupt"):
        load_image(trunc)


def test_decompression_bomb_guard_kept(tmp_path, monkeypatch):
    p = tmp_path / "big.png"
    Image.new("L", (300, 300)).save(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # > 2x the limit raises in Pillow
    with pytest.raises(ImageLoadError, match="decompression-bomb"):
        load_image(p)
