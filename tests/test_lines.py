import random

import numpy as np

from korocr.detection.lines import LineBox, find_lines, order_lines
from korocr.synth.page import render_page
from korocr.synth.text import TextSampler


def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_finds_every_line_of_a_page_in_order(korean_font):
    sampler = TextSampler(corpus=["한국어 문장을 여기에 씁니다", "가나다 라마바 사아자", "서울 부산 대구 광주 123"],
                          weights=(1, 0, 0, 0), max_chars=30)
    img, truth = render_page(sampler, korean_font, random.Random(0), size=(900, 900), font_px=26, max_lines=12)
    found = find_lines(img)
    assert len(found) == len(truth)
    for gt, box in zip(truth, found):  # same order: top to bottom
        assert _iou(gt.box, box.as_tuple()) > 0.5


def test_blank_image_has_no_lines():
    assert find_lines(np.full((200, 300, 3), 255, np.uint8)) == []


def test_light_text_on_dark(korean_font):
    sampler = TextSampler(corpus=["어두운 바탕 흰 글씨"], weights=(1, 0, 0, 0), max_chars=30)
    img, truth = render_page(sampler, korean_font, random.Random(1), size=(700, 400), font_px=30, max_lines=3)
    found = find_lines(255 - img)
    assert len(found) == len(truth)


def test_reading_order_rows_then_columns():
    right = LineBox(400, 10, 600, 40)
    left = LineBox(10, 12, 300, 42)
    below = LineBox(10, 60, 300, 90)
    assert order_lines([below, right, left]) == [left, right, below]


def test_word_spacing_moves_words_not_letters(korean_font):
    from korocr.synth.render import _load_font, _pieces

    f = _load_font(korean_font.spec.path, korean_font.spec.index, 32)
    text = "한국어 글자 OCR"
    assert _pieces(text, 0, 0, f.getlength) == [(text, 0.0), ("", f.getlength(text))]
    narrow, wide = _pieces(text, 0, -5, f.getlength), _pieces(text, 0, 12, f.getlength)
    assert [r for r, _ in narrow[:-1]] == ["한국어", "글자", "OCR"]
    assert wide[-1][1] - narrow[-1][1] == 2 * 17  # two spaces, 17 px apart each
    assert narrow[1][1] == f.getlength("한국어") + f.getlength(" ") - 5
    letters = _pieces(text, 4, 6, f.getlength)  # letter spacing: one run per character, spaces not drawn
    assert "".join(r for r, _ in letters[:-1]) == text.replace(" ", "")
    assert all(b[1] > a[1] for a, b in zip(letters[:-2], letters[1:-1]))


def test_cells_set_characters_at_a_fixed_pitch_wide_ones_twice_as_wide(korean_font):
    """Cell mode (monospace look): half-width characters one cell apart, Hangul two, each centred in its cell,
    so a comma has the gap of a digit cell after it; a space is one empty cell."""
    from korocr.synth.render import LineRenderer, RenderConfig, _load_font, _pieces

    f = _load_font(korean_font.spec.path, korean_font.spec.index, 32)
    runs = _pieces("1,234원 가", 0, 0, f.getlength, cell=16.0)
    assert [r for r, _ in runs[:-1]] == list("1,234원가")
    starts = {r: x for r, x in runs[:-1]}
    assert starts[","] == 16 + (16 - f.getlength(",")) / 2  # centred in the second cell
    assert starts["원"] == 5 * 16 + (32 - f.getlength("원")) / 2
    assert starts["가"] == 5 * 16 + 32 + 16 + (32 - f.getlength("가")) / 2  # after one empty half-width cell
    assert runs[-1] == ("", 5 * 16 + 32 + 16 + 32)

    def width(**kw):
        cfg = RenderConfig(font_size=(40, 40), spacing_prob=0, word_spacing_prob=0, augment=False, tight_prob=1.0,
                           shared_margin_prob=0, bitmap_prob=0, thermal_prob=0, neighbour_prob=0, effect_prob=0, **kw)
        renderer = LineRenderer([korean_font], config=cfg, seed=3)
        return renderer.render("1,1,1,1", random.Random(5), korean_font).shape[1]

    # number lines take cell_digits_prob; in cells the commas are as wide as the digits, so the line grows
    assert width(cell_digits_prob=1.0, cell_em=(0.6, 0.6)) > width(cell_prob=1.0) == width()


def test_changed_word_spaces_are_floored_at_min_word_space_em(korean_font):
    """A drawn word space never falls below ``min_word_space_em``; widened ones move the words apart."""
    from korocr.synth.render import LineRenderer, RenderConfig

    def width(word_em, floor):
        cfg = RenderConfig(font_size=(40, 40), word_spacing_prob=1.0, word_spacing_em=(word_em, word_em),
                           min_word_space_em=floor, spacing_prob=0, augment=False, tight_prob=1.0,
                           shared_margin_prob=0, bitmap_prob=0, thermal_prob=0, neighbour_prob=0, effect_prob=0)
        return LineRenderer([korean_font], config=cfg, seed=3).render("가 나 다", random.Random(5), korean_font).shape[1]

    floored, lower_floor, wide = width(-2.0, 0.3), width(-2.0, 0.1), width(1.0, 0.1)
    assert floored > lower_floor  # two spaces of 0.3 em vs 0.1 em at 40 px: 16 px apart before scaling
    assert wide > floored + 40


def test_a_failing_augmentation_keeps_the_line(korean_font):
    """albumentations' Perspective can divide by zero on a crop a few px high; the line is kept unaugmented."""
    from korocr.synth.render import LineRenderer

    r = LineRenderer([korean_font], seed=1)

    def boom(image):
        raise ZeroDivisionError("division by zero")

    r._aug = boom
    img = r.render("가나다", random.Random(1), korean_font)
    assert img.ndim == 3 and img.shape[0] > 5 and img.shape[1] > img.shape[0]


def test_neighbour_lines_show_in_loose_crops_but_do_not_move_the_box(korean_font):
    """Lines above/below reach into a loose crop's margin; the crop box itself still follows the main line."""
    from korocr.synth.render import LineRenderer, RenderConfig

    def heights(neighbour_prob, tight):
        cfg = RenderConfig(neighbour_prob=neighbour_prob, tight_prob=1.0 if tight else 0.0, shared_margin_prob=0.0,
                           margin_em=(0.5, 0.5), loose_margin_prob=0.0, augment=False, effect_prob=0.0,
                           bitmap_prob=0.0, thermal_prob=0.0, skia_prob=0.0, font_size=(32, 32),
                           dark_on_light_prob=1.0)  # dark text on light backgrounds, as in documents
        r = LineRenderer([korean_font], cfg, seed=1)
        rng = random.Random(2)
        return [r.render("가나다라 마바사", rng, korean_font) for _ in range(6)]

    for a, b in zip(heights(0.0, True), heights(1.0, True)):  # tight crops: the same height with neighbours
        assert abs(a.shape[0] - b.shape[0]) <= 2
    # loose crops (0.5 em each side): with neighbours, ink reaches the crop's top or bottom rows
    plain = [img[:2].std() + img[-2:].std() for img in heights(0.0, False)]
    crowded = [img[:2].std() + img[-2:].std() for img in heights(1.0, False)]
    assert sum(crowded) > 2 * sum(plain)


def _ink_box(img):
    ink = img < 128
    rows, cols = np.nonzero(ink.any(1))[0], np.nonzero(ink.any(0))[0]
    return rows[0], img.shape[0] - 1 - rows[-1], cols[0], img.shape[1] - 1 - cols[-1], rows[-1] - rows[0] + 1


def test_normalize_margins_brings_loose_and_tight_crops_into_range():
    from korocr.preprocessing.line import normalize_margins

    line = np.full((20, 120), 255, np.uint8)
    line[:, 10:110:12] = 0  # 20 px of ink, touching top and bottom: a crop with no margin
    loose = np.full((80, 200), 255, np.uint8)
    loose[30:50, 40:160] = line[:, 0:120]  # the same ink with a margin of 1.5 ink heights above and below
    for img in (line, loose):
        out, dx = normalize_margins(img, top_bottom=(0.15, 0.4), sides=0.3)
        top, bottom, left, right, ih = _ink_box(out)
        assert ih == 20
        assert 0.15 * ih - 1 <= top <= 0.4 * ih + 1 and 0.15 * ih - 1 <= bottom <= 0.4 * ih + 1
        assert left >= 0.3 * ih - 1 and right >= 0.3 * ih - 1
        # column 0 of the output is at x = dx of the input: the first ink column maps back to the same place
        assert left + dx == _ink_box(img)[2]


def test_normalize_margins_with_max_sides_gives_any_crop_of_a_line_the_same_geometry():
    from korocr.preprocessing.line import normalize_margins

    ink = np.full((20, 120), 255, np.uint8)
    ink[:, 0:120:12] = 0
    ink[:, 119] = 0
    crops = []
    for m in (0, 10, 40):  # no margin, half and two ink heights on every side
        img = np.full((20 + 2 * m, 120 + 2 * m), 255, np.uint8)
        img[m:m + 20, m:m + 120] = ink
        crops.append(normalize_margins(img, top_bottom=(0.15, 0.15), sides=0.3, max_sides=0.3))
    assert {c[0].shape for c in crops} == {(26, 132)}  # 20 + 2 × 3 rows, 120 + 2 × 6 columns
    np.testing.assert_array_equal(crops[0][0], crops[2][0])
    assert [c[1] for c in crops] == [-6, 4, 34]  # the first ink column maps back to the input's
    wide = np.full((40, 300), 255, np.uint8)
    wide[10:30, 90:210] = ink
    assert normalize_margins(wide, top_bottom=(0.15, 0.15))[0].shape[1] == 300  # without max_sides: not cut


def test_normalize_margins_keeps_the_whole_of_a_thin_lone_digit():
    """A receipt's quantity "7" in a light face: a 2 px bar over a 1 px stem. Its stem rows hold one ink pixel
    each; counted as specks, they left a crop of the bar alone, one row high, which read as nothing."""
    from korocr.preprocessing.line import normalize_margins

    seven = np.full((18, 14), 255, np.uint8)
    seven[3:5, 3:11] = 0
    for y in range(5, 15):
        seven[y, 10 - (y - 5) // 2] = 0
    out, _ = normalize_margins(seven)
    assert _ink_box(out)[4] == 12  # the whole glyph, bar and stem
    assert out.shape[0] >= 12 * 1.3


def test_normalize_margins_leaves_a_blank_crop_alone():
    from korocr.preprocessing.line import normalize_margins

    blank = np.full((30, 90), 200, np.uint8)
    out, dx = normalize_margins(blank)
    assert out is blank and dx == 0


def test_straighten_levels_a_tilted_bar_and_box_back_returns_to_the_input_px():
    import cv2

    from korocr.preprocessing.page import box_back, straighten

    page = np.full((200, 400, 3), 250, np.uint8)
    page[95:105, 50:350] = 20  # a level bar, 300 × 10 px
    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -3.0, 1.0)
    tilted = cv2.warpAffine(page, m, (w, h), borderValue=(250, 250, 250))
    straight, back = straighten(tilted, 3.0)
    assert straight.shape[0] > h and straight.shape[1] > w  # grown: nothing of the page is cut off
    assert abs(int(straight[0, 0, 0]) - 250) <= 2  # uncovered corners take the border colour
    ys, xs = np.nonzero(straight[..., 0] < 128)
    assert ys.max() - ys.min() <= 13 and xs.max() - xs.min() >= 290  # level again: 10 px high
    bx = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    x0, y0, x1, y1 = box_back(bx, back, (w, h))
    ty, tx = np.nonzero(tilted[..., 0] < 128)
    assert abs(x0 - tx.min()) <= 3 and abs(x1 - tx.max()) <= 3 and abs(y0 - ty.min()) <= 3 and abs(y1 - ty.max()) <= 3
    assert box_back((0, 0, straight.shape[1], straight.shape[0]), back, (w, h)) == (0, 0, w, h)  # clipped
