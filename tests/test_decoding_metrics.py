import numpy as np
import pytest

from korocr.evaluation.metrics import CERAccumulator, cer
from korocr.recognition.decoding import ctc_greedy_decode


def _probs(path, n_classes=4, p=0.9):
    out = np.full((len(path), n_classes), (1 - p) / (n_classes - 1), np.float32)
    for t, k in enumerate(path):
        out[t, k] = p
    return out


def test_ctc_greedy_merges_repeats_and_blanks():
    chars = ["가", "나", "다"]
    # 가 가 _ 가 나 _ _  -> "가가나": the blank separates the doubled 가
    probs = _probs([1, 1, 0, 1, 2, 0, 0])[None]
    d = ctc_greedy_decode(probs, chars)[0]
    assert d.text == "가가나"
    assert len(d.char_confidences) == 3
    assert d.confidence == pytest.approx(0.9)
    assert d.spans == [(0, 2), (3, 4), (4, 5)]


def test_ctc_greedy_respects_lengths():
    chars = ["가", "나", "다"]
    probs = np.stack([_probs([1, 0, 2, 3]), _probs([1, 0, 2, 3])])
    out = ctc_greedy_decode(probs, chars, lengths=np.array([4, 2]))
    assert [d.text for d in out] == ["가나다", "가"]


def test_cer_counts_and_spaces():
    assert cer("한국어", "한국어") == 0.0
    assert cer("한극어", "한국어") == pytest.approx(1 / 3)
    assert cer("한국 어", "한국어") == pytest.approx(1 / 3)
    assert cer("한국 어", "한국어", ignore_space=True) == 0.0
    assert cer("", "") == 0.0 and cer("a", "") == 1.0
    import unicodedata

    assert cer(unicodedata.normalize("NFD", "한국어"), "한국어") == 0.0  # NFC before comparing


def test_accumulator_is_corpus_level():
    acc = CERAccumulator()
    acc.update("가나", "가나")
    acc.update("다", "다라마바")
    assert acc.cer == pytest.approx(3 / 6)
    assert acc.accuracy == 0.5
    assert acc.as_dict()["n"] == 2
