"""Benchmark page and vertical-column synthesis: reading-order ground truth, degradations, shapes."""

import random

import numpy as np
import pytest

from korocr.synth.page import DEGRADATIONS, render_degraded_page, render_page
from korocr.synth.render import render_vertical
from korocr.synth.text import TextSampler


@pytest.fixture()
def sampler(tmp_path):
    p = tmp_path / "words.txt"
    p.write_text("서울 특별시\n한국어 문자\n인식 모델\n가나다라\n", encoding="utf-8")
    return TextSampler.from_files([], [p])


def test_two_column_page_lines_are_in_reading_order(sampler, korean_font):
    img, lines = render_page(sampler, korean_font, random.Random(0), size=(800, 500), font_px=20, margin=40,
                             columns=2, gutter=40)
    assert img.shape == (500, 800, 3) and len(lines) > 4
    xs = [ln.box[0] for ln in lines]
    first_right = next(i for i, x in enumerate(xs) if x > 400)
    assert all(x < 400 for x in xs[:first_right]) and all(x > 400 for x in xs[first_right:])  # column 1, then 2
    for col in (lines[:first_right], lines[first_right:]):
        assert all(a.box[1] < b.box[1] for a, b in zip(col, col[1:]))  # top to bottom in each column


def test_tight_leading_sets_lines_closer_without_their_ink_touching(sampler, korean_font):
    """A negative ``line_gap`` sets lines tighter than the font's leading, down to a 1.1 em pitch."""
    loose = render_page(sampler, korean_font, random.Random(0), size=(600, 600), font_px=20, margin=20,
                        line_gap=0.5)[1]
    tight = render_page(sampler, korean_font, random.Random(0), size=(600, 600), font_px=20, margin=20,
                        line_gap=-0.9)[1]
    assert len(tight) > len(loose) > 2
    pitch = [b.box[1] - a.box[1] for a, b in zip(tight, tight[1:])]
    assert min(pitch) >= 22 - 1  # 1.1 × 20 px, give or take a pixel of the ink's top
    assert all(a.box[3] <= b.box[1] for a, b in zip(tight, tight[1:]))  # no two lines' ink boxes overlap


@pytest.mark.parametrize("kind", [None, *DEGRADATIONS])
def test_degraded_pages(sampler, korean_font, kind):
    img, lines = render_degraded_page(sampler, korean_font, random.Random(1), kind)
    assert img.dtype == np.uint8 and img.shape == (1754, 1240, 3) and lines
    ink = img.min()
    if kind == "low_contrast":
        assert ink >= 100 and img.max() <= 235
    elif kind in (None, "small_text"):
        assert ink <= 30
    if kind == "small_text":
        assert lines[0].box[3] - lines[0].box[1] < 22


def test_unknown_degradation_is_an_error(sampler, korean_font):
    with pytest.raises(ValueError, match="unknown degradation"):
        render_degraded_page(sampler, korean_font, random.Random(0), "fog")


def test_vertical_column_is_tall_and_stacks_characters(korean_font):
    hs = [render_vertical(t, korean_font, random.Random(0), size=30).shape for t in ("서", "서울", "서울 역")]
    assert hs[2][0] > 1.5 * hs[2][1]  # tall and narrow
    assert hs[2][1] == hs[0][1]  # one character wide whatever the length
    assert hs[2][0] - hs[1][0] == hs[1][0] - hs[0][0] >= 30  # one step per character; the space is skipped


def test_document_pages_for_the_detector_are_dense_and_boxed(sampler, korean_font):
    from korocr.synth.scene import ScenePageRenderer

    r = ScenePageRenderer([korean_font], sampler, document_prob=1.0)
    rng = random.Random(3)
    for _ in range(3):
        img, regions = r.render(rng)
        h, w = img.shape[:2]
        # prose pages hold many lines; one in four is a slide: a title and at least 3 body lines
        assert len(regions) >= 4 and all(not g.vertical and g.text.strip() for g in regions)
        for g in regions:  # every quad lies on the page (give or take the warp) and holds ink
            assert g.quad[:, 0].min() >= -4 and g.quad[:, 0].max() <= w + 4
            assert g.quad[:, 1].min() >= -4 and g.quad[:, 1].max() <= h + 4
            x0, y0 = np.clip(g.quad.min(0).astype(int), 0, None)
            x1, y1 = g.quad.max(0).astype(int)
            assert img[y0:y1, x0:x1].std() > 10
    scenes = ScenePageRenderer([korean_font], sampler, document_prob=0.0)
    assert all(len(scenes.render(random.Random(k))[1]) < 60 for k in range(2))
