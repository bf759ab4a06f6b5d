"""Formatters: turn :class:`~korocr.io.elements.Page` results into output text.

* ``text`` — the lines;
* ``jsonl`` — one JSON object per image (``image``, ``text``, ``confidence``, ``lines`` with ``box``);
* ``tsv`` — Tesseract's TSV columns (``level page_num block_num par_num line_num word_num left top width
  height conf text``; levels 1 page, 2 block, 3 paragraph, 4 line, 5 word; ``conf`` -1 except for words);
* ``hocr`` — hOCR 1.2 in XHTML (``ocr_page`` → ``ocr_carea`` → ``ocr_par`` → ``ocr_line`` → ``ocrx_word`` with
  ``bbox`` and ``x_wconf``), as Tesseract writes it;
* ``alto`` — ALTO XML v4 (``Page`` → ``PrintSpace`` → ``TextBlock`` → ``TextLine`` → ``String``/``SP`` with
  ``HPOS``/``VPOS``/``WIDTH``/``HEIGHT`` in pixels and word confidence ``WC``), as Tesseract's ``alto`` output.
"""

from __future__ import annotations

import json
from html import escape
from typing import Sequence

from .io.elements import Page, union_box

FORMATS = ("text", "jsonl", "tsv", "hocr", "alto")
TSV_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width",
               "height", "conf", "text")


def format_text(page: Page) -> str:
    """The page's lines, one per line."""
    return page.text


def format_jsonl(page: Page) -> str:
    """One JSON object: ``{"image", "text", "confidence", "lines": [{"text", "confidence", "box"}], "blocks":
    [{"box", "lines": [line indices]}]}`` (``blocks`` only when the page went through layout analysis; ``rotation``
    and ``skew`` only when the page was turned or straightened; the whole nested result with words is
    :meth:`Page.to_dict`)."""
    d = {"image": page.image, "text": page.text, "confidence": round(page.confidence, 4),
         "lines": [line.to_dict(words=False) for line in page.lines]}
    if page.blocks:
        d["blocks"] = [{"box": list(b.box), "lines": idx} for b, idx in zip(page.blocks, page.block_line_indices())]
    if page.rotation:
        d["rotation"] = page.rotation
    if page.skew:
        d["skew"] = round(page.skew, 2)
    return json.dumps(d, ensure_ascii=False)


def format_tsv(page: Page, page_num: int = 1, header: bool = True) -> str:
    """Tesseract-compatible TSV: a block (with one paragraph) per :class:`~korocr.io.elements.Block`."""
    rows = [TSV_COLUMNS] if header else []
    w, h = page.size

    def row(level, block, par, line, word, box, conf, text):
        x0, y0, x1, y1 = box
        rows.append((level, page_num, block, par, line, word, x0, y0, x1 - x0, y1 - y0, conf, text))

    row(1, 0, 0, 0, 0, (0, 0, w, h), -1, "")
    for bi, members in enumerate(page.block_line_indices(), 1):
        area = union_box(page.lines[i].box for i in members)
        row(2, bi, 0, 0, 0, area, -1, "")
        row(3, bi, 1, 0, 0, area, -1, "")
        for li, k in enumerate(members, 1):
            line = page.lines[k]
            row(4, bi, 1, li, 0, line.box, -1, "")
            for wi, word in enumerate(line.words, 1):
                row(5, bi, 1, li, wi, word.box, round(word.confidence * 100, 2), word.text)
    return "\n".join("\t".join(str(c) for c in r) for r in rows)


def format_hocr(page: Page | Sequence[Page]) -> str:
    """One hOCR (XHTML) document for a page, or for several (one ``ocr_page`` each, as Tesseract writes a
    multi-page input)."""
    pages = [page] if isinstance(page, Page) else list(page)

    def bbox(b):
        return f"bbox {b[0]} {b[1]} {b[2]} {b[3]}"

    title = pages[0].image if len(pages) == 1 else f"{len(pages)} pages"
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
           '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
           '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="ko" lang="ko">',
           "<head>", f"<title>{escape(title)}</title>",
           '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
           '<meta name="ocr-system" content="korocr"/>',
           '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"/>',
           "</head>", "<body>"]
    for pn, pg in enumerate(pages, 1):
        w, h = pg.size
        out.append(f'<div class="ocr_page" id="page_{pn}" title="image {escape(json.dumps(pg.image), quote=True)}; '
                   f'bbox 0 0 {w} {h}; ppageno {pn - 1}">')
        wid = lid = 0
        for bi, members in enumerate(pg.block_line_indices(), 1):
            area = union_box(pg.lines[i].box for i in members)
            out.append(f'<div class="ocr_carea" id="block_{pn}_{bi}" title="{bbox(area)}">')
            out.append(f'<p class="ocr_par" id="par_{pn}_{bi}" lang="kor" title="{bbox(area)}">')
            for k in members:
                line = pg.lines[k]
                lid += 1
                out.append(f'<span class="ocr_line" id="line_{pn}_{lid}" title="{bbox(line.box)}">')
                for word in line.words:
                    wid += 1
                    out.append(f'<span class="ocrx_word" id="word_{pn}_{wid}" title="{bbox(word.box)}; '
                               f'x_wconf {int(round(word.confidence * 100))}">{escape(word.text)}</span>')
                out.append("</span>")
            out += ["</p>", "</div>"]
        out.append("</div>")
    out += ["</body>", "</html>"]
    return "\n".join(out)


def format_alto(page: Page) -> str:
    """An ALTO v4 document for the page (measurements in pixels)."""
    w, h = page.size

    def pos(b):
        return f'HPOS="{b[0]}" VPOS="{b[1]}" WIDTH="{b[2] - b[0]}" HEIGHT="{b[3] - b[1]}"'

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.loc.gov/standards/alto/ns-v4# '
           'http://www.loc.gov/alto/v4/alto-4-2.xsd">',
           "<Description><MeasurementUnit>pixel</MeasurementUnit>",
           f"<sourceImageInformation><fileName>{escape(page.image)}</fileName></sourceImageInformation>",
           "<OCRProcessing ID=\"OCR_0\"><ocrProcessingStep><processingSoftware>"
           "<softwareName>korocr</softwareName></processingSoftware></ocrProcessingStep></OCRProcessing>",
           "</Description>", "<Layout>",
           f'<Page WIDTH="{w}" HEIGHT="{h}" PHYSICAL_IMG_NR="0" ID="page_0">',
           f'<PrintSpace HPOS="0" VPOS="0" WIDTH="{w}" HEIGHT="{h}">']
    lid = sid = 0
    for bi, members in enumerate(page.block_line_indices(), 1):
        area = union_box(page.lines[i].box for i in members)
        out.append(f'<TextBlock ID="block_{bi}" {pos(area)}>')
        for k in members:
            line = page.lines[k]
            lid += 1
            out.append(f'<TextLine ID="line_{lid}" {pos(line.box)}>')
            for wi, word in enumerate(line.words):
                if wi:
                    out.append("<SP/>")
                sid += 1
                out.append(f'<String ID="string_{sid}" {pos(word.box)} WC="{word.confidence:.2f}" '
                           f'CONTENT="{escape(word.text, quote=True)}"/>')
            out.append("</TextLine>")
        out.append("</TextBlock>")
    out += ["</PrintSpace>", "</Page>", "</Layout>", "</alto>"]
    return "\n".join(out)


def format_page(page: Page, fmt: str, page_num: int = 1) -> str:
    """Format with ``fmt`` in :data:`FORMATS`.

    Raises:
        ValueError: an unknown format.
    """
    formatters = {"text": format_text, "jsonl": format_jsonl, "tsv": format_tsv, "hocr": format_hocr,
                  "alto": format_alto}
    if fmt not in formatters:
        raise ValueError(f"unknown format {fmt!r}; choose from {FORMATS}")
    if fmt == "tsv":  # Tesseract numbers the pages of a multi-image run in page_num
        return format_tsv(page, page_num=page_num)
    return formatters[fmt](page)
