"""The OCRmyPDF plugin (korocr.ocrmypdf): a scanned PDF gets a Korean text layer that extracts again."""

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ocrmypdf") is None,
                                reason="ocrmypdf is not installed (pip install 'ocrmypdf>=17')")

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "korocr" / "samples" / "sample_ko.png"


def _extract(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def test_ocrmypdf_with_korocr_writes_a_searchable_korean_layer(tmp_path):
    import ocrmypdf
    from PIL import Image

    src, out = tmp_path / "scan.pdf", tmp_path / "out.pdf"
    img = Image.open(SAMPLE).convert("RGB")
    img.save(src, save_all=True, append_images=[img.rotate(180)], resolution=150)  # page 2 upside down
    assert not "".join(_extract(src)).strip()  # an image-only PDF
    code = ocrmypdf.ocr(src, out, plugins=["korocr.ocrmypdf"], language=["kor"], output_type="pdf", jobs=1,
                        rotate_pages=True, rotate_pages_threshold=1.0, progress_bar=False)
    assert code == 0
    pages = ["".join(t.split()) for t in _extract(out)]
    expected = "".join(SAMPLE.with_suffix(".txt").read_text(encoding="utf-8").split())
    for text in pages:  # both pages, the turned one after --rotate-pages
        assert "서울특별시" in text and "3,500원" in text
        assert len(text) >= 0.9 * len(expected)


def test_engine_answers_the_language_check_and_orientation(tmp_path):
    from korocr.ocrmypdf import KorocrEngine

    eng = KorocrEngine()
    assert {"kor", "eng"} <= eng.languages(None) and "korocr" in str(eng)
    from PIL import Image

    p = tmp_path / "turned.png"
    Image.open(SAMPLE).rotate(90, expand=True).save(p)  # turned counter-clockwise by 90
    o = eng.get_orientation(p, None)
    assert o.angle == 90 and o.confidence > 5  # a clockwise turn of 90 undoes it
