"""Searchable PDF out: the text layer extracts back, at the lines' places."""

from pathlib import Path

import pytest

import korocr
from korocr.evaluation.metrics import cer

pytest.importorskip("fpdf", reason="needs korocr[pdf] (fpdf2)")
pdfium = pytest.importorskip("pypdfium2", reason="needs korocr[pdf] (pypdfium2)")

SAMPLE = Path(korocr.__file__).parent / "samples" / "sample_ko.png"


def test_text_layer_round_trip(tmp_path):
    from korocr.io.image import load_image
    from korocr.reader import Reader
    from korocr.searchable_pdf import find_text_font, write_searchable_pdf

    try:
        find_text_font()
    except korocr.errors.KorocrError as e:
        pytest.skip(str(e))
    img = load_image(SAMPLE)
    page = Reader().read(img)
    out = write_searchable_pdf([(img, page), (img, page)], tmp_path / "s.pdf", dpi=150)
    doc = pdfium.PdfDocument(str(out))
    assert len(doc) == 2
    tp = doc[0].get_textpage()
    text = tp.get_text_range()
    assert cer(text, page.text, ignore_space=True) < 0.05
    # the first character of the second line lies inside that line's box (PDF points, origin bottom-left)
    k = 72 / 150
    i = text.index(page.lines[1].text[0])
    x0, y0, x1, y1 = tp.get_charbox(i)
    bx0, by0, bx1, by1 = page.lines[1].box
    h_pt = img.shape[0] * k
    assert bx0 * k - 2 <= x0 and x1 <= bx1 * k + 2
    assert h_pt - by1 * k - 2 <= y0 and y1 <= h_pt - by0 * k + 2
