import csv
import io
import json
import xml.etree.ElementTree as ET

from korocr.formatters import TSV_COLUMNS, format_page
from korocr.io.elements import Line, Page, words_from_alignment


def _page():
    text = "서울 가는 길"
    spans = [(i * 2, i * 2 + 2) for i in range(len(text))]
    words = words_from_alignment(text, [0.9] * len(text), spans, 4.0, (10, 20, 210, 60))
    return Page("a&b.png", (300, 100), [Line(text, 0.9, (10, 20, 210, 60), [0.9] * len(text), words),
                                         Line("Seoul", 0.8, (10, 70, 110, 90), [0.8] * 5,
                                              words_from_alignment("Seoul", [0.8] * 5, [], 0, (10, 70, 110, 90)))])


def test_words_from_alignment_boxes():
    p = _page()
    w = p.lines[0].words
    assert [x.text for x in w] == ["서울", "가는", "길"]
    assert w[0].box == (10, 20, 26, 60)  # chars 0-1: steps 0..4 → 16 px
    assert w[1].box[0] == 10 + 6 * 4 and w[2].box[2] <= 210


def test_tsv_has_tesseract_columns():
    rows = list(csv.reader(io.StringIO(format_page(_page(), "tsv")), delimiter="\t"))
    assert tuple(rows[0]) == TSV_COLUMNS
    assert all(len(r) == 12 for r in rows)
    words = [r for r in rows[1:] if r[0] == "5"]
    assert [r[11] for r in words] == ["서울", "가는", "길", "Seoul"]
    assert words[0][6:10] == ["10", "20", "16", "40"] and float(words[0][10]) == 90.0
    assert [r[0] for r in rows[1:5]] == ["1", "2", "3", "4"]


def test_hocr_is_valid_xhtml():
    doc = format_page(_page(), "hocr")
    root = ET.fromstring(doc.encode("utf-8"))
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    words = root.findall(".//h:span[@class='ocrx_word']", ns)
    assert [w.text for w in words] == ["서울", "가는", "길", "Seoul"]
    assert words[0].get("title") == "bbox 10 20 26 60; x_wconf 90"
    page = root.find(".//h:div[@class='ocr_page']", ns)
    assert "bbox 0 0 300 100" in page.get("title") and "a&b.png" in page.get("title")
    assert len(root.findall(".//h:span[@class='ocr_line']", ns)) == 2


def test_jsonl_and_text():
    p = _page()
    assert format_page(p, "text") == "서울 가는 길\nSeoul"
    d = json.loads(format_page(p, "jsonl"))
    assert d["lines"][1] == {"text": "Seoul", "confidence": 0.8, "box": [10, 70, 110, 90]}


def test_visualize_draws_on_a_copy(tmp_path, tiny_onnx):
    import subprocess
    import sys

    import numpy as np
    from PIL import Image

    src = tmp_path / "in.png"
    arr = np.full((60, 200, 3), 255, np.uint8)
    arr[20:40, 20:180] = 0
    Image.fromarray(arr).save(src)
    out = tmp_path / "vis.png"
    r = subprocess.run([sys.executable, "-m", "korocr", "read", "--line", "--rec-model", str(tiny_onnx), str(src),
                        "--visualize", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    vis = np.asarray(Image.open(out).convert("RGB"))
    assert vis.shape == (60, 400, 3)  # the image, then the text canvas beside it
    assert (vis[:, :200] == arr).mean() > 0.8  # the left half is the input (plus box lines)
    assert (vis[:, :200, 1] > vis[:, :200, 0] + 100).any()  # green box pixels were drawn
    assert (vis[:, 200:, 1] > vis[:, 200:, 0] + 100).any()  # and the box again on the text canvas


def test_blocks_in_tsv_hocr_jsonl():
    from korocr.io.elements import Block

    p = _page()
    p.blocks = [Block([p.lines[0]], p.lines[0].box), Block([p.lines[1]], p.lines[1].box)]
    rows = list(csv.reader(io.StringIO(format_page(p, "tsv")), delimiter="\t"))
    assert sorted({r[2] for r in rows[1:] if r[0] == "2"}) == ["1", "2"]
    root = ET.fromstring(format_page(p, "hocr").encode("utf-8"))
    assert len(root.findall(".//{http://www.w3.org/1999/xhtml}div[@class='ocr_carea']")) == 2
    assert json.loads(format_page(p, "jsonl"))["blocks"] == [{"box": [10, 20, 210, 60], "lines": [0]},
                                                            {"box": [10, 70, 110, 90], "lines": [1]}]


def test_alto_is_valid_xml_with_strings_and_positions():
    root = ET.fromstring(format_page(_page(), "alto").encode("utf-8"))
    ns = {"a": "http://www.loc.gov/standards/alto/ns-v4#"}
    strings = root.findall(".//a:String", ns)
    assert [s.get("CONTENT") for s in strings] == ["서울", "가는", "길", "Seoul"]
    assert strings[0].get("HPOS") == "10" and strings[0].get("WIDTH") == "16" and float(strings[0].get("WC")) == 0.9
    assert root.find(".//a:Page", ns).get("WIDTH") == "300" and len(root.findall(".//a:TextLine", ns)) == 2


def test_several_pages_make_one_hocr_document():
    doc = format_page(_page(), "hocr")
    from korocr.formatters import format_hocr

    two = format_hocr([_page(), _page()])
    root = ET.fromstring(two.encode("utf-8"))
    pages = root.findall(".//{http://www.w3.org/1999/xhtml}div[@class='ocr_page']")
    assert len(pages) == 2 and [p.get("id") for p in pages] == ["page_1", "page_2"]
    assert two.count("<html") == 1 and doc.count("<html") == 1


def test_page_text_puts_a_table_row_on_one_line():
    """Cells read row by row (item, quantity, price) print as one line, as Tesseract prints a row; lines of a
    column, and a second column after the first, stay on lines of their own."""
    row = [Line("꿀호떡", 0.9, (20, 100, 160, 124)), Line("2", 0.9, (300, 103, 312, 123)),
           Line("3,980", 0.9, (400, 102, 470, 126))]
    total = Line("합계", 0.9, (20, 140, 90, 164))
    assert Page("r", (500, 200), [*row, total]).text == "꿀호떡 2 3,980\n합계"
    col1 = [Line("가나다", 0.9, (0, 0, 300, 20)), Line("라마바", 0.9, (0, 25, 300, 45))]
    col2 = [Line("사아자", 0.9, (350, 0, 650, 20))]
    assert Page("p", (700, 50), col1 + col2).text == "가나다\n라마바\n사아자"
    columns = [Line("세로", 0.9, (500, 0, 530, 200)), Line("쓰기", 0.9, (450, 0, 480, 200))]  # right to left
    assert Page("v", (600, 200), columns).text == "세로\n쓰기"
