"""Bad input, tried like an attacker would (hypothesis): every failure is a clear korocr error, never a crash,
and a batch goes on past it."""

import io
import string

import numpy as np
import pytest
from PIL import Image

hypothesis = pytest.importorskip("hypothesis", reason="needs hypothesis (korocr[test])")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from korocr.io.image import ImageLoadError, load_image  # noqa: E402

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (255, 255, 255)).save(buf, "PNG")
    return buf.getvalue()


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash_the_image_loader(data):
    try:
        arr = load_image(data, name="fuzz")
    except ImageLoadError as e:
        assert str(e).startswith("fuzz")
    else:
        assert arr.ndim == 3 and arr.shape[2] == 3 and arr.dtype == np.uint8


@FUZZ
@given(st.integers(0, 400), st.integers(1, 300))
def test_truncated_images_are_reported_or_complete(cut, size):
    data = _png(size, 20)[:cut]
    try:
        arr = load_image(data, name="cut.png")
    except ImageLoadError as e:
        assert str(e).startswith("cut.png")
    else:  # only the trailer was cut: the pixels are all there
        assert arr.shape == (20, size, 3)


@FUZZ
@given(st.lists(st.text(alphabet=string.printable + "가나다\t\n\x00/..", max_size=40), max_size=8))
@example(rows=["\x00\t0"])  # found by hypothesis: a NUL byte in an image path raised ValueError
@example(rows=["../../etc/passwd\t가", "images/a.png\t가나"])
def test_label_files_with_anything_in_them(tmp_path_factory, rows):
    from korocr.io.convert import write_dataset
    from korocr.io.datasets import DatasetError, open_dataset

    d = tmp_path_factory.mktemp("ds")
    (d / "images").mkdir()
    (d / "images" / "a.png").write_bytes(_png(30, 10))
    (d / "labels.tsv").write_text("\n".join(rows), encoding="utf-8", errors="surrogatepass")
    out = tmp_path_factory.mktemp("out")
    try:
        rep = write_dataset(open_dataset(d), out / "lmdb", to="folder")
    except DatasetError:
        return
    assert rep.read == rep.written + len(rep.rejected)  # nothing lost silently
    for p in (out / "lmdb").rglob("*"):  # nothing written outside the output directory
        assert out in p.resolve().parents


@FUZZ
@given(st.binary(max_size=2048), st.sampled_from(["1-3", "0", "a", "2-1", "", "1,,2"]))
def test_pdf_inputs_and_page_ranges(data, pages):
    from korocr.errors import KorocrError
    from korocr.io.pdf import parse_pages, render_pdf

    pytest.importorskip("pypdfium2")
    try:
        list(render_pdf(b"%PDF-" + data, pages=parse_pages(pages), max_pages=3))
    except KorocrError:
        pass
