import numpy as np
import torch

from korocr.recognition.joint_decoding import NEG, ctc_prefix_extend, joint_beam_search, token_to_ctc_map


def _extend_all(x, labels):
    """Forward variables of ``labels`` grown one class at a time; returns the prefix scores and the final state."""
    T = x.shape[0]
    r_n, r_b, last = np.full((T, 1), NEG), np.cumsum(x[:, 0])[:, None], np.array([-1])
    psis = []
    for i, c in enumerate(labels):
        psi, r_n, r_b = ctc_prefix_extend(x, r_n, r_b, last, np.array([c]), i == 0)
        last = np.array([c])
        psis.append(float(psi[0]))
    return psis, r_n[:, 0], r_b[:, 0]


def test_ctc_prefix_scores_match_torch_ctc_loss():
    rng = np.random.default_rng(0)
    T, C = 12, 5
    x = torch.from_numpy(rng.normal(size=(T, C))).log_softmax(-1)
    for labels in ([1, 2, 3], [2, 2], [4], [1, 3, 1, 3]):  # with a repeated class, which needs a blank between
        psis, r_n, r_b = _extend_all(x.numpy(), labels)
        full = float(np.logaddexp(r_n[-1], r_b[-1]))
        ref = -torch.nn.functional.ctc_loss(x[:, None], torch.tensor([labels]), torch.tensor([T]),
                                            torch.tensor([len(labels)]), blank=0, reduction="sum").item()
        assert abs(full - ref) < 1e-6
        # a prefix is at least as likely as any of its extensions, and as the complete labelling
        assert all(a >= b - 1e-9 for a, b in zip(psis, psis[1:])) and psis[-1] >= full - 1e-9


def test_joint_search_follows_ctc_when_the_decoder_knows_nothing():
    vocab = ["<pad>", "<s>", "</s>", "<unk>", "가", "나", "다"]
    tok2ctc = token_to_ctc_map(vocab, ["가", "나", "다"])
    assert tok2ctc.tolist() == [-1, -1, -1, -1, 1, 2, 3]
    # CTC frames spelling 나 다 다 (blank between the two 다)
    path = [2, 0, 3, 3, 0, 3, 0]
    x = np.full((len(path), 4), np.log(0.02))
    x[np.arange(len(path)), path] = np.log(0.94)
    x = x - np.logaddexp.reduce(x, axis=1, keepdims=True)
    uniform = lambda toks, parents: np.full((len(toks), len(vocab)), -np.log(len(vocab)))  # noqa: E731
    tokens, _, _ = joint_beam_search(uniform, x, tok2ctc, start_id=1, eos_id=2, beam=3, ctc_weight=0.7)
    assert [vocab[t] for t in tokens] == ["나", "다", "다"]
    # and the decoder decides where CTC is unsure between two characters
    x2 = x.copy()
    x2[0] = np.log([0.02, 0.49, 0.47, 0.02])  # 가 or 나 first
    prefers_ga = lambda toks, parents: np.array([[-9, -9, -2, -9, -0.1 if len(t) == 1 else -3, -3, -1]  # noqa: E731
                                                 for t in toks], float)
    tokens, _, _ = joint_beam_search(prefers_ga, x2, tok2ctc, start_id=1, eos_id=2, beam=3, ctc_weight=0.5)
    assert [vocab[t] for t in tokens][0] == "가"


def test_syllable_constraint_spells_no_lone_jamo():
    """With jamo_classes, the search never emits a vowel without its initial (a Latin l read as the vowel ᅵ), nor
    ends on an initial; without it, the same frames read as the lone vowel."""
    from korocr.recognition.joint_decoding import LEAD, OTHER, TAIL, VOWEL, jamo_classes

    vocab = ["<pad>", "<s>", "</s>", "<unk>", "A", "l", "t", "\u1100", "\u1175", "\u11a8", "ㅋ"]
    classes = jamo_classes(vocab)
    assert classes.tolist() == [OTHER] * 4 + [OTHER] * 3 + [LEAD, VOWEL, TAIL, OTHER]
    tok2ctc = token_to_ctc_map(vocab, vocab[4:])  # CTC class k + 1 = vocab[4 + k]
    # frames: A, then a stroke CTC thinks is the vowel ᅵ (0.55) more than l (0.40), then t
    probs = np.full((5, 8), 0.005)
    probs[0, 1], probs[1, 0], probs[3, 0], probs[4, 3] = 0.95, 0.95, 0.95, 0.95  # A, blank, blank, t
    probs[2, 5], probs[2, 2] = 0.55, 0.40  # ᅵ or l
    x = np.log(probs / probs.sum(1, keepdims=True))
    uniform = lambda toks, parents: np.full((len(toks), len(vocab)), -np.log(len(vocab)))  # noqa: E731
    free, _, _ = joint_beam_search(uniform, x, tok2ctc, start_id=1, eos_id=2, beam=4, ctc_weight=0.8)
    assert "".join(vocab[t] for t in free) == "A\u1175t"
    fixed, _, _ = joint_beam_search(uniform, x, tok2ctc, start_id=1, eos_id=2, beam=4, ctc_weight=0.8,
                                    token_classes=classes)
    assert "".join(vocab[t] for t in fixed) == "Alt"
    # a real syllable (initial, vowel, final) is still spelled
    probs = np.full((5, 8), 0.005)
    for t, k in enumerate([4, 0, 5, 0, 6]):  # ᄀ, blank, ᅵ, blank, ᆨ
        probs[t, k] = 0.95
    x = np.log(probs / probs.sum(1, keepdims=True))
    tokens, _, _ = joint_beam_search(uniform, x, tok2ctc, start_id=1, eos_id=2, beam=4, ctc_weight=0.8,
                                     token_classes=classes)
    assert "".join(vocab[t] for t in tokens) == "\u1100\u1175\u11a8"
