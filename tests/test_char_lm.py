"""The character n-gram language model (korocr.text.char_lm) that Inverse DALL-E fuses into its decoding."""

import numpy as np
import pytest

from korocr.text.char_lm import MAX_ORDER, CharNgramLM
from korocr.text.charsets import Charset, decompose_hangul


def _lm(order=4, min_count=1):
    chars = Charset.resolve("default-jamo").chars
    lines = ["패키지를 설치합니다", "패키지 관리자", "같은 방법입니다", "번호가 붙고"] * 3
    return CharNgramLM(chars, order=order).fit(lines, min_count=min_count)


def test_probabilities_are_normalised_and_follow_the_counts():
    lm = _lm()
    for history in ["", "패", "패키지", "같은 방", "전혀 없는 말"]:
        p = lm.probs(lm.ids(history))
        assert p.shape == (len(lm.symbols) + 1,) and np.all(p > 0)
        assert abs(p.sum() - 1.0) < 1e-9
    p = lm.probs(lm.ids("패"))  # 패 -> 키 in every line: its first jamo dominates
    assert lm.symbols[int(p[:-1].argmax())] == decompose_hangul("키")[0]
    assert lm.probs(lm.ids("번호가 붙고"))[lm.eol] > 0.5  # the lines end there
    assert lm.log_prob("패키지를 설치합니다") > lm.log_prob("펴키지를 설치합니다")
    assert lm.log_prob("같은 방법입니다") > lm.log_prob("같온 방법임니다")


def test_pruning_keeps_the_low_orders_and_the_model_round_trips(tmp_path):
    full, pruned = _lm(min_count=1), _lm(min_count=4)
    assert len(pruned.keys[0]) == len(full.keys[0])  # bigrams are never pruned
    assert len(pruned.keys[2]) < len(full.keys[2])  # 4-grams seen 3 times are
    path = full.save(tmp_path / "lm.npz")
    back = CharNgramLM.load(path)
    assert back.order == full.order and back.symbols == full.symbols
    for history in ["", "패키", "같은 방법"]:
        assert np.allclose(back.probs(back.ids(history)), full.probs(full.ids(history)))


def test_bad_settings_and_files_raise_clear_errors(tmp_path):
    chars = Charset.resolve("default-jamo").chars
    with pytest.raises(ValueError, match="order"):
        CharNgramLM(chars, order=MAX_ORDER + 1)
    with pytest.raises(ValueError, match="no line"):
        CharNgramLM(chars).fit(["", "\U0001F600"])  # nothing of the vocabulary
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="other.npz"):
        CharNgramLM.load(tmp_path / "other.npz")
    with pytest.raises(FileNotFoundError):
        CharNgramLM.load(tmp_path / "missing.npz")
