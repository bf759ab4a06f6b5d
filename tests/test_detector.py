"""Detector pieces: targets, post-processing on synthetic maps with known boxes, model, ONNX, vertical text."""

import random

import numpy as np
import pytest
import torch

from korocr.detection.postprocess import boxes_from_prob, crop_region, unclip_rect
from korocr.detection.targets import make_targets, shrink_offset
from korocr.models.detection.dbnet import DetectorConfig, TextDetector
from korocr.preprocessing.line import unstack_vertical


def _quad(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def test_targets_shrink_and_threshold():
    q = _quad(20, 20, 220, 60)
    t = make_targets([q], (100, 300))
    d = shrink_offset(q)
    ys, xs = np.nonzero(t["prob"])
    assert xs.min() >= 20 + d - 2 and xs.max() <= 220 - d + 2 and ys.min() >= 20 + d - 2
    assert t["thresh_mask"][40, 10] == 1 and t["thresh_mask"][95, 295] == 0  # dilated region only
    assert 0.3 <= t["thresh"].min() and t["thresh"].max() <= 0.7 + 1e-6
    assert t["thresh"][20, 120] == pytest.approx(0.7, abs=0.02)  # on the border


def test_postprocess_recovers_known_boxes():
    """Shrunk-region probability maps → the original boxes, via DB's unclip."""
    truth = [(40, 30, 440, 80), (40, 120, 300, 150), (500, 40, 540, 300)]
    t = make_targets([_quad(*b) for b in truth], (360, 600))
    prob = t["prob"] * 0.9
    regions = boxes_from_prob(prob, image_size=(600, 360))
    assert len(regions) == 3
    from korocr.evaluation.detection import iou_matrix

    ious = iou_matrix([r.box for r in regions], truth)
    assert (ious.max(1) > 0.8).all()
    vertical = [r.vertical for r in sorted(regions, key=lambda r: r.box[0])]
    assert vertical == [False, False, True]


def test_postprocess_scale_and_score_filter():
    prob = np.zeros((50, 80), np.float32)
    prob[10:20, 10:60] = 0.95
    prob[30:40, 10:60] = 0.35  # above bin_thresh but below box_thresh: dropped
    r = boxes_from_prob(prob, scale=(4.0, 4.0))
    assert len(r) == 1 and r[0].box[0] < 40 and r[0].box[2] > 240
    assert unclip_rect(100, 10, 1.5) == pytest.approx((100 + 2 * 1000 * 1.5 / 220, 10 + 2 * 1000 * 1.5 / 220))
    # the default inverts the training shrink exactly
    w, h = 400.0, 50.0
    d = w * h * (1 - 0.4 ** 2) / (2 * (w + h))
    assert unclip_rect(w - 2 * d, h - 2 * d) == pytest.approx((w, h), rel=1e-6)


def test_postprocess_splits_lines_joined_by_a_bullet_column():
    """Two lines whose starts touch a faint column (list bullets) are one connected region at bin_thresh; the
    region fills little of its rectangle, so it is split around the lines' cores into two lines."""
    prob = np.zeros((80, 300), np.float32)
    prob[10:22, 20:280] = 0.9
    prob[40:52, 20:200] = 0.9
    prob[8:54, 12:20] = 0.35  # the bridge
    split = boxes_from_prob(prob, bin_thresh=0.2, box_thresh=0.5)
    assert len(split) == 2
    from korocr.evaluation.detection import iou_matrix

    alone = []  # each line's box when it is drawn without the other and without the bridge
    for rows in (slice(10, 22), slice(40, 52)):
        p = np.zeros_like(prob)
        p[rows] = prob[rows]
        p[:, 12:20] = 0
        alone += [r.box for r in boxes_from_prob(p, bin_thresh=0.2, box_thresh=0.5)]
    ious = iou_matrix([r.box for r in split], alone)
    assert (ious.max(1) > 0.7).all() and sorted(ious.argmax(1)) == [0, 1]
    assert iou_matrix([r.box for r in boxes_from_prob(prob, bin_thresh=0.2, box_thresh=0.5, split_fill=0)],
                      alone).max() < 0.5


def test_merge_hysteresis_keeps_weak_pieces_of_a_confident_line():
    from korocr.detection.postprocess import TextRegion, merge_line_fragments

    strong = TextRegion.from_box((10, 10, 200, 30), 0.9)
    weak = TextRegion.from_box((210, 10, 300, 30), 0.6)  # the same line, a weaker word
    alone = TextRegion.from_box((10, 80, 120, 100), 0.6)  # a weak region on its own
    out = merge_line_fragments([strong, weak, alone], min_score=0.7)
    assert [r.box for r in out] == [(10, 10, 300, 30)]
    assert len(merge_line_fragments([strong, weak, alone])) == 2


def test_column_pieces_join_but_a_column_of_squares_does_not():
    from korocr.detection.postprocess import TextRegion, merge_column_fragments

    col = TextRegion.from_box((100, 50, 130, 200), 0.9)
    col.vertical = True
    above = TextRegion.from_box((101, 20, 129, 46), 0.6)  # one syllable just above the column
    below = TextRegion.from_box((99, 205, 131, 232), 0.7)
    qty = [TextRegion.from_box((300, 20 + 30 * i, 320, 40 + 30 * i)) for i in range(4)]  # receipt quantities
    line = TextRegion.from_box((90, 240, 400, 270))  # a horizontal line under the column
    out = merge_column_fragments([col, above, below, *qty, line])
    cols = [r for r in out if r.vertical]
    assert len(cols) == 1 and cols[0].box == (99, 20, 131, 232) and cols[0].score == 0.9
    assert sorted(r.box for r in out if not r.vertical) == sorted([*(q.box for q in qty), line.box])


def test_crop_region_rectifies():
    img = np.zeros((100, 200, 3), np.uint8)
    img[20:40, 50:150] = 255
    prob = np.zeros((100, 200), np.float32)
    prob[25:35, 55:145] = 0.9
    r = boxes_from_prob(prob)[0]
    crop = crop_region(img, r)
    assert crop.shape[0] < crop.shape[1] and crop.mean() > 100


def test_crop_region_pad_adds_a_margin_of_the_line_height():
    from korocr.detection.postprocess import TextRegion

    img = np.zeros((100, 200, 3), np.uint8)
    img[40:60, 50:150] = 255
    r = TextRegion(_quad(50, 40, 150, 60), (50, 40, 150, 60), 1.0)
    tight = crop_region(img, r)
    padded = crop_region(img, r, pad=0.25)  # 5 px (a quarter of the 20 px height) on every side
    assert abs(padded.shape[0] - (tight.shape[0] + 10)) <= 1 and abs(padded.shape[1] - (tight.shape[1] + 10)) <= 1
    assert padded[:3].mean() < 30 and padded[:, :3].mean() < 30  # the margin is background
    assert padded[8:-8, 8:-8].mean() > 200


def test_crop_margin_does_not_take_the_neighbouring_lines():
    from korocr.detection.postprocess import TextRegion

    img = np.full((120, 200, 3), 230, np.uint8)  # light page, three dark lines 20 px high, 4 px apart
    for y in (26, 50, 74):
        img[y:y + 20, 20:180] = 20
    boxes = [(20, y, 180, y + 20) for y in (26, 50, 74)]
    mid = TextRegion(_quad(*boxes[1]), boxes[1], 1.0)
    plain = crop_region(img, mid, pad=0.5)
    masked = crop_region(img, mid, pad=0.5, others=boxes)
    assert plain.shape == masked.shape
    assert plain[:5, 20:-20].mean() < 60  # without the other boxes, the margin shows the line above
    assert masked[:8, 20:-20].min() > 200 and masked[-8:, 20:-20].min() > 200  # painted with the background
    assert masked[12:-12, 20:-20].max() < 40  # its own line is untouched
    np.testing.assert_array_equal(crop_region(img, mid, pad=0.5, others=[boxes[1]]), plain)


def test_detector_forward_and_onnx(tmp_path):
    import onnxruntime as ort

    from korocr.export.onnx import export_detector_onnx

    torch.manual_seed(0)
    m = TextDetector(DetectorConfig(channels=(8, 8, 16, 16, 16), inner=16))
    m.train()
    out = m(torch.randn(2, 3, 64, 96))
    assert out["prob"].shape == out["thresh"].shape == out["binary"].shape == (2, 1, 64, 96)
    m.eval()
    assert set(m(torch.randn(1, 3, 64, 64))) == {"prob"}
    path = export_detector_onnx(m, tmp_path / "det.onnx")
    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, 96, 128)).astype(np.float32)
    ref = m(torch.from_numpy(x))["prob"].detach().numpy()
    got = ort.InferenceSession(str(path)).run(None, {"images": x})[0]
    np.testing.assert_allclose(got, ref, atol=1e-5)


def test_unstack_vertical_column(korean_font):
    from PIL import Image, ImageDraw, ImageFont

    text = "고래식당"
    f = ImageFont.truetype(korean_font.spec.path, 40, index=korean_font.spec.index)
    img = Image.new("RGB", (56, 4 * 52 + 10), "white")
    d = ImageDraw.Draw(img)
    for i, ch in enumerate(text):
        d.text((28, 5 + 26 + i * 52), ch, font=f, fill="black", anchor="mm")
    from korocr.preprocessing.line import _ink_mask, segment_column, to_gray

    cells = segment_column(_ink_mask(to_gray(np.asarray(img))))
    assert len(cells) == 4  # 고 and 식 have blank rows between their jamo, yet each stays one cell
    for i, (a, b) in enumerate(cells):
        assert 5 + i * 52 - 4 <= a and b <= 5 + (i + 1) * 52 + 4
    out = unstack_vertical(np.asarray(img))
    assert out.shape[1] > 2 * out.shape[0]  # four upright cells side by side
    ink = (out.mean(2) < 128).sum(0)
    quarter = out.shape[1] // 4
    assert all(ink[i * quarter:(i + 1) * quarter].sum() > 0 for i in range(4))


def test_segment_column_splits_touching_syllables():
    from korocr.preprocessing.line import segment_column

    ink = np.zeros((200, 50), np.uint8)
    ink[10:190, 5:45] = 1  # 180 px of solid ink 40 px wide: no blank row, about 4.5 squares
    cells = segment_column(ink)
    assert len(cells) == 3 and cells[0][0] == 10 and cells[-1][1] == 190  # 180 / (1.05 × 50) ≈ 3 squares


def test_reader_with_detector(tmp_path, tiny_onnx):
    from korocr.export.onnx import export_detector_onnx
    from korocr.reader import Reader

    torch.manual_seed(0)
    det = export_detector_onnx(TextDetector(DetectorConfig(channels=(8, 8, 16, 16, 16), inner=16)).eval(),
                               tmp_path / "det.onnx")
    reader = Reader(tiny_onnx, det_model=det)
    page = reader.read(np.full((100, 150, 3), 255, np.uint8))
    assert page.size == (150, 100)
    from korocr.detection.onnx_detector import DetectorLoadError

    with pytest.raises(DetectorLoadError, match="not a korocr detector"):
        Reader(tiny_onnx, det_model=tiny_onnx)


def test_synth_pages_hiertext_and_eval_det(tmp_path, korean_font):
    import json
    import subprocess
    import sys

    from korocr.io.datasets import open_dataset

    words = tmp_path / "w.txt"
    words.write_text("가나다\n서울역\n한국어 문장\n", encoding="utf-8")
    out = tmp_path / "pages"
    r = subprocess.run([sys.executable, "-m", "korocr", "synth", "--pages", "-c", "2", "-o", str(out), "--dict",
                        str(words), "--fonts", korean_font.spec.key, "--seed", "1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    lines = list(open_dataset(out / "annotations.jsonl", images=out / "images"))
    assert len(lines) == info["lines"] > 0 and all(s.error is None for s in lines)
    r = subprocess.run([sys.executable, "-m", "korocr", "eval", "classical", str(out), "--task", "det", "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout.splitlines()[-1])
    assert d["ground_truth"] == info["lines"] and 0.0 <= d["hmean"] <= 1.0


def test_tiny_detector_learns_synthetic_pages(korean_font):
    """DB losses drive a tiny detector to find the lines of two synthetic pages it trains on."""
    from korocr.data.pages import fit_crop, to_batch
    from korocr.evaluation.detection import DetectionCounts, match_boxes
    from korocr.synth.scene import ScenePageRenderer
    from korocr.synth.text import TextSampler
    from korocr.training.lit_detector import DetectorLitModule

    torch.manual_seed(0)
    sampler = TextSampler(words=["가나다", "서울역", "한국어", "문장입니다", "OCR 123"], max_chars=12)
    renderer = ScenePageRenderer([korean_font], sampler, size_range=(256, 320))
    rng = random.Random(0)
    items = []
    for _ in range(2):
        img, regions = renderer.render(rng)
        items.append(fit_crop(img, [r.quad for r in regions], 256, rng))
    batch = to_batch(items)
    lit = DetectorLitModule({"channels": [8, 16, 32, 32, 32], "inner": 16})
    lit.log = lambda *a, **k: None
    opt = torch.optim.Adam(lit.model.parameters(), 3e-3)
    first = None
    for _ in range(250):
        lit.model.train()
        loss = lit.training_step(batch, 0)
        first = first if first is not None else float(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss) < 0.5 * first
    lit.model.eval()
    total = DetectionCounts()
    with torch.no_grad():
        prob = lit.model(batch.images)["prob"][:, 0].numpy()
    for p, quads in zip(prob, batch.quads):
        gt = [(q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()) for q in quads]
        c = match_boxes([r.box for r in boxes_from_prob(p)], gt)
        total.tp, total.det, total.gt = total.tp + c.tp, total.det + c.det, total.gt + c.gt
    assert total.gt > 0 and total.hmean > 0.5


def test_hiertext_pages_as_detector_training_source(tmp_path, korean_font):
    import json
    import subprocess
    import sys

    from korocr.data.pages import AnnotatedPages
    from korocr.io.datasets import read_hiertext_pages
    from korocr.synth.generate import generate_pages
    from korocr.synth.text import TextSampler

    words = tmp_path / "w.txt"
    words.write_text("가나다\n서울역\n한국어 문장\n", encoding="utf-8")
    out = tmp_path / "pages"
    generate_pages(out, [korean_font], TextSampler.from_files([], [words]), 2, seed=3)
    ann = out / "annotations.jsonl"
    rows = ann.read_text(encoding="utf-8").splitlines()
    missing = json.loads(rows[0]) | {"image_id": "no_such_image"}
    ann.write_text("\n".join(rows + [json.dumps(missing, ensure_ascii=False)]) + "\n", encoding="utf-8")

    pages = list(read_hiertext_pages(ann))
    assert [p.error is None for p in pages] == [True, True, False] and "no_such_image" in pages[2].error
    assert all(len(p.polygons) == len(p.texts) > 0 for p in pages[:2])
    ds = AnnotatedPages([ann], batch_size=2, size=256, seed=0)
    assert len(ds.pages) == 2 and len(ds.skipped) == 1
    batch = next(iter(ds))
    assert batch.images.shape == (2, 3, 256, 256) and batch.prob.shape == (2, 1, 256, 256)
    assert batch.prob.sum() > 0  # text regions became targets

    r = subprocess.run([sys.executable, "-m", "korocr", "train", "--task", "det", "--data", str(ann),
                        "--fonts", korean_font.spec.key, "--words", str(words), "--det-size", "128",
                        "--batch-size", "2", "--max-steps", "2", "--val-every", "1", "--val-size", "2",
                        "--workers", "0", "--runs-dir", str(tmp_path / "runs"), "--name", "hier"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "annotated pages: 2 used, 1 skipped" in r.stdout
    assert list((tmp_path / "runs").glob("hier-*/weights.pt"))


def test_fragments_of_one_line_are_joined_but_rows_and_columns_are_not():
    from korocr.detection.base import TextRegion
    from korocr.detection.postprocess import merge_line_fragments

    words = [TextRegion.from_box((x, 100, x + 60, 140)) for x in (10, 90, 170)]  # gaps of 20 px < 40 px height
    price = TextRegion.from_box((600, 100, 680, 140))  # far across the row: a separate column
    below = TextRegion.from_box((10, 160, 200, 200))  # the next line
    out = merge_line_fragments([words[2], price, words[0], below, words[1]])
    assert [r.box for r in out] == [(10, 100, 230, 140), (600, 100, 680, 140), (10, 160, 200, 200)]


def test_coarse_pass_adds_large_type_and_refuses_blobs_of_small_lines():
    from korocr.detection.base import TextRegion
    from korocr.detection.onnx_detector import _add_large

    r = TextRegion.from_box
    pieces = [r((100, 520, 300, 560)), r((420, 515, 640, 565))]  # two syllable groups of a 200 px title
    small = [r((60, 100, 900, 114)), r((60, 124, 700, 138))]  # two 14 px lines
    title = r((80, 450, 1500, 650))
    blob = r((50, 95, 910, 145))  # the two small lines melted together at coarse scale
    def ids(regions):
        return {id(x) for x in regions}

    out = ids(_add_large(pieces + small, [title, blob], min_height=64))
    assert id(title) in out and id(blob) not in out
    assert not ids(pieces) & out and ids(small) <= out
    assert ids(_add_large(small, [r((50, 95, 910, 145))], min_height=40)) == ids(small)  # holds two whole lines
    assert ids(_add_large(small, [r((950, 100, 1100, 140))], min_height=64)) == ids(small)  # not large
    # a 200 px title cut by the first pass into an upper piece and a lower piece, each a few syllables wide
    halves = [r((250, 1092, 580, 1195)), r((502, 1206, 579, 1257))]
    whole = r((73, 1094, 990, 1260))
    assert ids(_add_large(halves, [whole], min_height=80)) == {id(whole)}
    # three 13 px prose lines melted at coarse scale: the first pass found one whole and the start of another
    found = [r((61, 176, 1171, 188)), r((61, 201, 463, 215))]
    assert ids(_add_large(found, [r((55, 156, 1178, 223))], min_height=64)) == ids(found)
    # two 27 px lines of a slide melted into a 65 px blob, both found whole by the first pass
    two = [r((265, 435, 658, 461)), r((169, 465, 1174, 492))]
    assert ids(_add_large(two, [r((91, 438, 1171, 503))], min_height=64)) == ids(two)
    # 160 px type (seed 43's size sweep): the first pass's box of a middle word runs past the coarse box above
    # and below (its middle half is inside), the first two syllables came as columns; the line is taken whole
    word, cols = r((369, 779, 841, 998)), [r((226, 807, 334, 974)), r((86, 814, 180, 970))]
    line = r((67, 811, 996, 963))
    assert ids(_add_large([word, *cols], [line], min_height=80)) == {id(line)}
    # 200 px type: the first pass found the first word as high as the line, and the last syllable apart
    first, last, line = r((40, 1042, 611, 1249)), r((826, 1066, 998, 1248)), r((66, 1068, 988, 1248))
    assert ids(_add_large([first, last], [line], min_height=80)) == {id(line)}
    # a coarse blob whose edge grazes a small first-pass line (5 of its 35 px) still cuts through it
    grazed = [r((98, 335, 1214, 370)), r((127, 409, 953, 436))]
    assert ids(_add_large(grazed, [r((91, 365, 969, 478))], min_height=64)) == ids(grazed)


def test_refine_pass_finds_type_too_small_for_the_first_scale():
    """A fake model that scores lines under 10 px high at 0.3 (below the box threshold) and taller ones at
    0.95: the first pass finds only the large line; the refine pass enlarges the window around the weak
    activity and finds the small one; a page without weak activity is never detected twice."""
    import types

    import cv2

    from korocr.detection.onnx_detector import OnnxDetector

    calls = []

    def fake_map(self, img, max_side=None):
        calls.append(img.shape[:2])
        ink = (img.mean(2) < 128).astype(np.uint8)
        n, _, st, _ = cv2.connectedComponentsWithStats(ink)
        prob = np.zeros(ink.shape, np.float32)
        for x, y, w, h, _ in st[1:]:
            prob[y:y + h, x:x + w] = 0.95 if h >= 10 else 0.3
        return prob, (1.0, 1.0)

    det = object.__new__(OnnxDetector)
    det.params = dict(bin_thresh=0.2, box_thresh=0.6, unclip_ratio=1.0)
    det.weak_thresh, det.merge_fragments, det.coarse_side, det.max_side = 0.4, True, 0, 1280
    det.refine_zoom, det.refine_thresh = 2.0, 0.08
    det.probability_map = types.MethodType(fake_map, det)
    page = np.full((200, 460, 3), 255, np.uint8)
    page[40:60, 30:370] = 0    # a 20 px line
    page[120:126, 50:250] = 0  # a 6 px line
    boxes = [r.box for r in det.detect(page)]
    assert len(boxes) == 2 and len(calls) == 2
    small = [b for b in boxes if b[1] > 100][0]
    assert abs(small[0] - 50) <= 4 and abs(small[2] - 250) <= 4 and 114 <= small[1] <= 121 and 125 <= small[3] <= 132
    det.refine_zoom = 0
    assert len(det.detect(page)) == 1
    det.merge_fragments = False  # no hysteresis: the plain box threshold
    assert len(det.detect(page)) == 1
    det.merge_fragments = True
    det.refine_zoom, calls[:] = 2.0, []
    page[120:126] = 255
    assert len(det.detect(page)) == 1 and len(calls) == 1
    # a small square is kept where it shares a row with a line (a table cell), dropped alone (a blob)
    page[48:54, 420:433] = 0
    page[150:156, 200:213] = 0
    boxes = [r.box for r in det.detect(page)]
    assert len(boxes) == 2 and any(b[0] >= 410 and b[1] >= 40 and b[3] <= 62 for b in boxes)


def test_a_column_of_receipt_quantities_is_cut_into_cells():
    """One-digit quantities stacked beside item rows melt into a "vertical" region on the map; it is cut into
    one horizontal cell per row, but a real vertical column (no rows beside it, or ink not on the rows) is not."""
    from korocr.detection.base import TextRegion
    from korocr.detection.postprocess import stacked_cells

    gray = np.full((300, 500), 255, np.uint8)
    rows = []
    for k in range(5):
        y = 40 + 40 * k
        gray[y:y + 14, 20:180] = 0    # item name
        gray[y + 1:y + 13, 300:309] = 0  # quantity digit
        gray[y:y + 14, 400:470] = 0   # price
        rows += [TextRegion.from_box((18, y - 2, 182, y + 16)), TextRegion.from_box((398, y - 2, 472, y + 16))]
    streak = TextRegion.from_box((295, 36, 314, 218))
    streak.vertical = True
    cells = stacked_cells(streak, rows + [streak], gray)
    assert cells is not None and len(cells) == 5 and not any(c.vertical for c in cells)
    for k, c in enumerate(cells):
        assert 296 <= c.box[0] <= 300 and 309 <= c.box[2] <= 313
        assert abs((c.box[1] + c.box[3]) / 2 - (47 + 40 * k)) <= 1
    assert stacked_cells(streak, [streak], gray) is None  # no rows beside it: a vertical column
    gray[40:220, 300:309] = 255
    for k in range(9):  # syllables at a pitch of their own, unrelated to the rows
        gray[40 + 20 * k:54 + 20 * k, 300:309] = 0
    assert stacked_cells(streak, rows + [streak], gray) is None


def test_side_by_side_syllables_of_two_columns_are_put_back_into_their_columns():
    """A column wraps into a short one set close beside it; the detector joined the side-by-side syllables into
    short horizontal regions. They are cut at the ink gap and joined to their columns; a horizontal page is
    left alone."""
    from korocr.detection.base import TextRegion
    from korocr.detection.postprocess import split_straddling

    gray = np.full((450, 500), 255, np.uint8)
    for k in range(10):  # column A: 10 syllables, 30 px wide
        gray[50 + 35 * k:80 + 35 * k, 300:330] = 0
        gray[50 + 35 * k:80 + 35 * k, 400:430] = 0  # column C
    for k in range(2):  # column B, wrapped from A, 20 px to its left, beside A's last two syllables
        gray[365 + 35 * k:395 + 35 * k, 250:280] = 0

    def vert(box):
        r = TextRegion.from_box(box)
        r.vertical = True
        return r

    a_top, c = vert((300, 50, 330, 360)), vert((400, 50, 430, 400))
    pieces = [TextRegion.from_box((250, 365, 330, 395)), TextRegion.from_box((250, 400, 330, 430))]
    out = split_straddling([a_top, c, *pieces], gray)
    assert all(r.vertical for r in out) and len(out) == 3
    boxes = sorted(r.box for r in out)
    assert boxes[0] == (250, 365, 280, 430)   # column B
    assert boxes[1] == (300, 50, 330, 395)    # column A, whole
    assert boxes[2] == c.box
    # a page of horizontal lines with two short columns: by area not a vertical page, left as it is
    page = [TextRegion.from_box((20, 40 * k, 480, 40 * k + 24)) for k in range(5)]
    page += [vert((300, 300, 330, 400)), vert((400, 300, 430, 400)), TextRegion.from_box((250, 365, 330, 395))]
    assert split_straddling(page, gray) is page


def test_a_weak_blob_of_two_melted_lines_is_cut_into_them():
    from korocr.detection.base import TextRegion
    from korocr.detection.postprocess import merge_line_fragments, split_merged_lines

    gray = np.full((120, 400), 255, np.uint8)
    for x in range(20, 380, 12):  # line 1: rows 20-33, "syllables" 9 px wide
        gray[20:33, x:x + 9] = 0
    for x in range(120, 260, 12):  # line 2, centred under it: rows 36-49 (a 3 px leading)
        gray[36:49, x:x + 9] = 0
    left, right = TextRegion.from_box((20, 20, 110, 33), 0.8), TextRegion.from_box((270, 20, 380, 33), 0.8)
    blob = TextRegion.from_box((110, 19, 270, 50), 0.5)  # the map's smear of both lines, under the threshold
    out = split_merged_lines([left, blob, right], gray, min_score=0.6)
    bands = sorted(r.box for r in out if r is not left and r is not right)
    assert [b[1] for b in bands] == [20, 36] and [b[3] for b in bands] == [33, 49]
    assert all(r.score >= 0.6 for r in out)
    lines = merge_line_fragments(out, min_score=0.6)
    assert sorted(r.box[1] for r in lines) == [20, 36]
    assert [r.box for r in lines if r.box[1] == 20][0][0::2] == (20, 380)  # line 1 whole again
    # without the split, the hysteresis drops the blob (and the second line with it)
    assert [r.box[1] for r in merge_line_fragments([left, blob, right], min_score=0.6)] == [20, 20]
    # no confident line beside it, or a weak blob over many lines (a receipt's body): left as it is
    assert [r.box for r in split_merged_lines([blob], gray, min_score=0.6)] == [blob.box]
    tall = TextRegion.from_box((110, 0, 270, 120), 0.5)
    assert [r.box for r in split_merged_lines([left, tall], gray, min_score=0.6)] == [left.box, tall.box]


def test_a_lone_quantity_on_a_receipt_row_is_found_but_not_rules_dashes_or_word_ends():
    from korocr.detection.base import TextRegion
    from korocr.detection.postprocess import ink_beside_rows

    gray = np.full((160, 420), 250, np.uint8)
    rows = [20, 50, 80, 110]
    regions = []
    for y in rows:
        for x in range(20, 110, 12):  # an item name, "syllables" 9 px wide and 14 high
            gray[y:y + 14, x:x + 9] = 20
        gray[y:y + 14, 330:380] = 20  # its price
        regions += [TextRegion.from_box((20, y, 110, y + 14), 0.8), TextRegion.from_box((330, y, 380, y + 14), 0.8)]
    # the quantities, one digit each at a staggered x (the map saw none of them); one a thin "1"
    digits = {20: 200, 50: 212, 110: 190}
    for y, x in digits.items():
        gray[y + 1:y + 13, x:x + 7] = 20
    gray[80 + 1:80 + 13, 230:232] = 20
    digits[80] = 230
    gray[:, 300:302] = 20  # a table's rule, crossing every row
    for x in range(20, 400, 8):  # a dashed rule under the items
        gray[130:132, x:x + 4] = 20
    gray[50:64, 113:118] = 20  # the end of a word the map half saw, just past its region
    found = ink_beside_rows(regions, gray)
    assert sorted((b.box[1], b.box[0]) for b in found) == sorted((y + 1, x) for y, x in digits.items())
    assert all(b.box[3] - b.box[1] == 12 and not b.vertical for b in found)
    # both polarities: white type on a dark slide
    assert len(ink_beside_rows(regions, (255 - gray).astype(np.uint8))) == 4
    # under three rows, nothing is searched
    assert ink_beside_rows(regions[:4], gray) == []


def test_a_confident_blob_of_bulleted_lines_is_cut_into_them_but_a_short_word_is_not():
    from korocr.detection.base import TextRegion
    from korocr.detection.postprocess import split_merged_lines

    gray = np.full((300, 700), 60, np.uint8)  # a dark slide, white type
    lines = [(20, 600), (60, 640), (100, 160), (140, 620)]  # (top, right end): the third is "한 붓"
    for top, end in lines:
        for x in range(40, end, 16):
            gray[top:top + 24, x:x + 13] = 240
    others = [TextRegion.from_box((40, y, 600, y + 24), 0.9) for y in (200, 240)] + [
        TextRegion.from_box((40, 270, 300, 294), 0.9)]
    tall = TextRegion.from_box((38, 18, 642, 126), 0.8)  # the map bled over three lines: 108 px, 4.5 lines high
    out = split_merged_lines([tall] + others, gray, min_score=0.6)
    assert sorted((r.box[1], r.box[3]) for r in out if r.box[1] < 180) == [(20, 44), (60, 84), (100, 124)]
    assert all(r.score == 0.8 for r in out if r.box[1] < 180)
    # a word of two syllables whose finals stand on rows of their own: not two lines
    word = np.full((300, 700), 60, np.uint8)
    word[100:124, 40:100] = 240  # initials and vowels, large type
    word[130:150, 44:96] = 240  # finals
    short = TextRegion.from_box((38, 98, 102, 152), 0.8)  # 2.25 line heights high, 2.7 wide
    assert [r.box for r in split_merged_lines([short] + others, word, min_score=0.6)][0] == short.box
    # the same ink in a box 4 line heights wide would be cut: the width is what tells a word from lines
    wide = TextRegion.from_box((38, 98, 140, 152), 0.8)
    assert len(split_merged_lines([wide] + others, word, min_score=0.6)) == 5
    # a blob over more than 5.5 line heights (a receipt's body) stays as it is
    blob = TextRegion.from_box((38, 18, 642, 166), 0.8)
    assert [r.box for r in split_merged_lines([blob] + others, gray, min_score=0.6)][0] == blob.box


def test_a_list_bullet_before_a_line_joins_its_region_but_not_specks_dashes_or_other_text():
    from korocr.detection.base import TextRegion
    from korocr.detection.postprocess import bullets_before_rows

    gray = np.full((200, 500), 245, np.uint8)
    regions = []
    for y in (20, 60, 100, 140):
        for x in range(80, 400, 14):  # a line of "syllables" 10 px wide, 16 high, in a region 20 px high
            gray[y + 2:y + 18, x:x + 10] = 30
        regions.append(TextRegion.from_box((80, y, 400, y + 20), 0.9))
    gray[28:33, 50:55] = 30       # row 20: a bullet 5 px across, a word space or more before the line
    gray[70:71, 60:61] = 30       # row 60: a speck of 1 px
    gray[62:78, 40:50] = 30       # row 60 also: a glyph of another word, as tall as the line
    gray[109:111, 50:62] = 30     # row 100: a dash 2 px high (under a tenth of the line)
    gray[148:153, 50:55] = 30     # row 140: a bullet, and the line's first glyph cut by its box
    gray[142:158, 76:80] = 30
    out = bullets_before_rows(regions, gray)
    boxes = sorted((r.box for r in out), key=lambda b: b[1])
    assert boxes[0] == (50, 20, 400, 40)          # widened to the bullet
    assert boxes[1] == (80, 60, 400, 80)          # speck + a tall glyph: left alone
    assert boxes[2] == (80, 100, 400, 120)        # too thin a dash
    assert boxes[3] == (50, 140, 400, 160)        # the cut glyph does not count as a second blob
    assert regions[0].box == (80, 20, 400, 40)    # the input regions are not changed
    # white type on a dark slide reads the same
    dark = bullets_before_rows(regions, (255 - gray).astype(np.uint8))
    assert sorted((r.box for r in dark), key=lambda b: b[1]) == boxes


def test_grey_statistics_from_histograms_equal_numpy_median_and_percentile():
    from korocr.detection.postprocess import _hist, _hist_quantile

    rng = np.random.default_rng(7)
    for k in range(400):
        a = rng.integers(0, 256, (int(rng.integers(1, 12)), int(rng.integers(1, 40)))).astype(np.uint8)
        if k % 2:
            a = (a // 64 * 64).astype(np.uint8)  # few levels: ties and half-way medians
        bg = float(np.median(a))
        assert _hist_quantile(_hist(a), 0.5) == bg
        levels = np.abs(np.arange(256) - bg)
        assert _hist_quantile(_hist(a), 0.9, levels) == float(np.percentile(np.abs(a.astype(np.int16) - bg), 90))
    assert _hist(np.zeros((0, 5), np.uint8)).sum() == 0


def test_outline_points_give_the_minimum_area_rectangle_of_all_pixels():
    import cv2

    from korocr.detection.postprocess import _outline

    rng = np.random.default_rng(3)
    for _ in range(50):
        mask = np.zeros((40, 90), bool)
        for _ in range(int(rng.integers(1, 4))):  # one to three blobs, possibly apart
            x, y = int(rng.integers(0, 70)), int(rng.integers(0, 30))
            mask[y:y + int(rng.integers(1, 10)), x:x + int(rng.integers(1, 20))] = True
        ys, xs = np.nonzero(mask)
        full = cv2.minAreaRect(np.stack([xs, ys], 1).astype(np.float32))
        fast = cv2.minAreaRect(_outline(mask))
        assert np.allclose(full[0], fast[0], atol=0.02) and np.allclose(sorted(full[1]), sorted(fast[1]), atol=0.02)
