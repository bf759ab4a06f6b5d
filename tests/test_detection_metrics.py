import pytest

from korocr.evaluation.detection import evaluate_detection, iou_matrix, match_boxes


def test_iou():
    m = iou_matrix([(0, 0, 10, 10)], [(0, 0, 10, 10), (5, 0, 15, 10), (20, 20, 30, 30)])
    assert m[0].tolist() == pytest.approx([1.0, 1 / 3, 0.0])


def test_one_to_one_matching():
    gt = [(0, 0, 100, 20), (0, 30, 100, 50)]
    det = [(0, 0, 100, 20), (2, 0, 100, 20), (0, 30, 60, 50)]  # a duplicate; a half-covered line
    c = match_boxes(det, gt)
    # the half-covered box has IoU 0.6 and matches; the duplicate cannot match the same ground truth twice
    assert (c.tp, c.det, c.gt) == (2, 3, 2)
    c = match_boxes([(0, 0, 100, 20), (0, 30, 60, 50)], gt)
    assert c.tp == 2 and c.precision == 1.0 and c.recall == 1.0 and c.hmean == 1.0


def test_dont_care_and_totals():
    gt = [(0, 0, 100, 20), (200, 0, 300, 20)]
    c = match_boxes([(0, 0, 100, 20), (205, 0, 300, 20)], gt, dont_care=[False, True])
    assert (c.tp, c.det, c.gt) == (1, 1, 1)
    tot = evaluate_detection([([(0, 0, 10, 10)], [(0, 0, 10, 10)]), ([], [(0, 0, 5, 5)])])
    assert tot.precision == 1.0 and tot.recall == 0.5 and tot.hmean == pytest.approx(2 / 3)
