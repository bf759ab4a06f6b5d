#!/usr/bin/env python
"""Render the bundled sample image src/korocr/samples/sample_ko.png (and its transcript sample_ko.txt)."""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from korocr.synth.fonts import discover_fonts

LINES = ["korocr: 한국어 문자 인식", "서울특별시 중구 세종대로 110", "오늘의 커피 한 잔 3,500원"]

out = Path(__file__).resolve().parents[1] / "src" / "korocr" / "samples"
font = next(f for f in discover_fonts(include=["NanumGothicBold"]))
pil = ImageFont.truetype(font.spec.path, 34, index=font.spec.index)
img = Image.new("RGB", (720, 230), "white")
draw = ImageDraw.Draw(img)
for i, line in enumerate(LINES):
    draw.text((30, 30 + i * 65), line, font=pil, fill=(20, 20, 20))
img.save(out / "sample_ko.png", optimize=True)
(out / "sample_ko.txt").write_text("\n".join(LINES) + "\n", encoding="utf-8")
print(out / "sample_ko.png")
