import numpy as np
import pytest
import torch

from korocr.models.recognition.crnn import CRNN, CRNNConfig
from korocr.models.checkpoints import load_weights, save_weights
from korocr.text import Charset


@pytest.mark.parametrize("trans,fe,seq,pred", [
    ("None", "Light", "BiLSTM", "CTC"),
    ("None", "VGG", "BiLSTM", "CTC"),
    ("TPS", "ResNet", "BiLSTM", "CTC"),
    ("None", "Light", "None", "CTC"),
    ("TPS", "VGG", "BiLSTM", "Attn"),
])
def test_crnn_variants_shapes(trans, fe, seq, pred):
    cfg = CRNNConfig(num_classes=12, transformation=trans, feature_extraction=fe, sequence_modeling=seq,
                     prediction=pred, output_channel=64, hidden_size=32, img_width=100, max_length=7)
    m = CRNN(cfg)
    x = torch.randn(2, 1, 32, 100)
    if pred == "CTC":
        y = m(x)
        assert y.shape[0] == 2 and y.shape[2] == 12
        assert abs(y.shape[1] - 25) <= 1  # about W/4 time steps
    else:
        text = torch.zeros(2, 8, dtype=torch.long)
        assert m(x, text, is_train=True).shape == (2, 8, 12)
        assert m(x, is_train=False).shape == (2, 8, 12)


def test_ctc_model_takes_any_width():
    m = CRNN(CRNNConfig(num_classes=5, output_channel=32, hidden_size=16)).eval()
    for w in (16, 64, 333):
        assert m(torch.randn(1, 1, 32, w)).shape[1] == w // 4


def test_invalid_config():
    with pytest.raises(ValueError, match="feature_extraction"):
        CRNNConfig(num_classes=3, feature_extraction="Nope")


@pytest.mark.parametrize("pred", ["CTC", "Attn"])
def test_resize_classes_keeps_old_rows(pred):
    torch.manual_seed(0)
    m = CRNN(CRNNConfig(num_classes=6, prediction=pred, output_channel=32, hidden_size=16)).eval()
    head = m.prediction if pred == "CTC" else m.prediction.generator
    old_w = head.weight.detach().clone()
    m.resize_classes(9)
    head = m.prediction if pred == "CTC" else m.prediction.generator
    assert head.weight.shape[0] == 9 and m.config.num_classes == 9
    assert torch.equal(head.weight[:6], old_w)


def test_weights_roundtrip_fp16(tmp_path, tiny_model):
    model, charset = tiny_model
    p = save_weights(tmp_path / "w.pt", model, charset, {"note": "x"})
    m2, cs2, meta = load_weights(p)
    assert cs2.chars == charset.chars and meta["note"] == "x"
    x = torch.randn(2, 1, 32, 48)
    with torch.no_grad():
        a, b = model(x), m2(x)
    assert torch.allclose(a, b, atol=2e-2)  # fp16 storage
    with pytest.raises(FileNotFoundError):
        load_weights(tmp_path / "nope.pt")
