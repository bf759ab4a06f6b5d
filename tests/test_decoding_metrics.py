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


def _labelling_probabilities(probs):
    """Every labelling's CTC probability by summing over all paths (brute force, tiny T and C only)."""
    import itertools
    from collections import defaultdict

    out = defaultdict(float)
    for path in itertools.product(range(probs.shape[1]), repeat=probs.shape[0]):
        p = float(np.prod([probs[t, k] for t, k in enumerate(path)]))
        lab = tuple(k for i, k in enumerate(path) if k and (i == 0 or k != path[i - 1]))
        out[lab] += p
    return out


def test_beam_decoding_keeps_a_character_spread_over_frames_that_greedy_drops():
    from korocr.recognition.decoding import ctc_beam_decode

    chars = ["a", "b", " "]
    probs = np.array([[0.01, 0.98, 0.005, 0.005], [1, 0, 0, 0], [0.6, 0, 0, 0.4], [0.6, 0, 0, 0.4],
                      [1, 0, 0, 0], [0, 0, 1, 0]], np.float32)
    assert ctc_greedy_decode(probs[None], chars)[0].text == "ab"
    d = ctc_beam_decode(probs, chars)
    assert d.text == "a b"
    assert d.char_confidences == pytest.approx([0.98, 1 - 0.6 ** 2, 1.0])  # the space: emitted in one of 2 frames
    assert [s[0] for s in d.spans] == [0, 2, 5] and all(a < b for a, b in d.spans)


def test_beam_decoding_finds_the_most_probable_labelling():
    from korocr.recognition.decoding import ctc_beam_decode

    rng = np.random.default_rng(0)
    chars = ["a", "b"]
    found_better = 0
    for _ in range(40):
        probs = rng.dirichlet([0.5, 0.5, 0.5], size=6)
        every = _labelling_probabilities(probs)
        best = max(every.values())
        beam = tuple(" ab".index(c) for c in ctc_beam_decode(probs, chars, beam_width=16, blank_sure=1.01,
                                                              certain=1.01, prune=0.0).text)
        greedy = tuple(" ab".index(c) for c in ctc_greedy_decode(probs[None], chars)[0].text)
        assert every[beam] == pytest.approx(best)
        assert every[beam] >= every[greedy] - 1e-12
        found_better += every[beam] > every[greedy] + 1e-9
    assert found_better > 0  # on some of them the best path's labelling is not the best labelling


def test_beam_decoding_agrees_with_greedy_on_confident_frames():
    from korocr.recognition.decoding import ctc_beam_decode

    chars = ["가", "나", "다"]
    probs = _probs([1, 1, 0, 1, 2, 0, 0], p=0.995)
    g, b = ctc_greedy_decode(probs[None], chars)[0], ctc_beam_decode(probs, chars)
    assert (b.text, b.spans, b.char_confidences) == (g.text, g.spans, pytest.approx(g.char_confidences))
    assert ctc_beam_decode(np.zeros((0, 4), np.float32), chars).text == ""
