import subprocess
import sys

import numpy as np
import pytest
import torch

from korocr.recognition.decoding import ctc_greedy_decode
from korocr.recognition.onnx_recognizer import OnnxRecognizer


def test_onnx_matches_torch(tiny_model, tiny_onnx):
    import onnxruntime as ort

    model, charset = tiny_model
    sess = ort.InferenceSession(str(tiny_onnx), providers=["CPUExecutionProvider"])
    for n, w in ((1, 40), (3, 96), (5, 256)):  # dynamic batch and width
        x = np.random.default_rng(n).uniform(-1, 1, (n, 1, 32, w)).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).softmax(-1).numpy()
        out = sess.run(None, {"images": x})[0]
        assert out.shape == ref.shape
        np.testing.assert_allclose(out, ref, atol=1e-5)
        assert [d.text for d in ctc_greedy_decode(out, charset.chars)] == \
               [d.text for d in ctc_greedy_decode(ref, charset.chars)]


def test_recognizer_reads_metadata_and_batches(tiny_model, tiny_onnx):
    _, charset = tiny_model
    rec = OnnxRecognizer(tiny_onnx, batch_size=2)
    assert rec.chars == charset.chars and rec.height == 32
    rng = np.random.default_rng(0)
    lines = [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for h, w in ((20, 90), (40, 30), (32, 200))]
    one_by_one = [rec.recognize([x])[0].text for x in lines]
    batched = [d.text for d in rec.recognize(lines)]
    assert batched == one_by_one  # padding and width-sorting do not change results
    assert all(0.0 <= d.confidence <= 1.0 for d in rec.recognize(lines))


def test_beam_decoder_is_an_option_of_the_recognizer_and_the_reader(tiny_onnx):
    from korocr.recognition import make_recognizer

    rng = np.random.default_rng(1)
    lines = [rng.integers(0, 255, (32, w, 3), dtype=np.uint8) for w in (60, 120, 200)]
    beam = OnnxRecognizer(tiny_onnx, decoder="beam", beam_width=4).recognize(lines)
    assert all(0.0 <= d.confidence <= 1.0 and len(d.spans) == len(d.text) for d in beam)
    assert make_recognizer(tiny_onnx, decoder="beam").decoder == "beam"
    with pytest.raises(ValueError, match="decoder"):
        OnnxRecognizer(tiny_onnx, decoder="viterbi")
    with pytest.raises(ValueError, match="beam_width"):
        OnnxRecognizer(tiny_onnx, decoder="beam", beam_width=0)


def test_inference_does_not_import_torch(tiny_onnx):
    code = (
        "import sys, numpy as np\n"
        "from korocr.reader import Reader\n"
        f"r = Reader({str(tiny_onnx)!r})\n"
        "r.read(np.full((32, 64, 3), 255, np.uint8), line=True)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_long_lines_are_read_in_chunks_not_squeezed(tmp_path):
    """A line wider than max_width is read in overlapping chunks; with a convolution-only model (receptive field
    well inside half the overlap) the joined frames equal those of reading the line whole."""
    import torch

    from korocr.export.onnx import export_onnx
    from korocr.models.recognition.crnn import CRNN, CRNNConfig
    from korocr.recognition.onnx_recognizer import OnnxRecognizer
    from korocr.text import Charset

    torch.manual_seed(0)
    charset = Charset(list(" 가나다라마바사012ABC"))
    model = CRNN(CRNNConfig(num_classes=charset.num_classes, output_channel=32, hidden_size=16,
                            sequence_modeling="None")).eval()
    with torch.no_grad():  # sharpen the random head so the best class changes from frame to frame
        model.prediction.weight.mul_(40)
    path = export_onnx(model, charset, tmp_path / "conv.onnx")
    rng = np.random.default_rng(0)
    line = np.full((32, 3000), 255, np.uint8)  # 3,000 px at the model's height, white margins at both ends
    line[:, 200:2800] = (rng.random((32, 2600)) * 255).astype(np.uint8)
    whole = OnnxRecognizer(path, max_width=4096).recognize([line])[0]
    chunked = OnnxRecognizer(path, max_width=512, chunk_overlap=128).recognize([line])[0]
    assert len(whole.text) > 20
    assert chunked.text == whole.text
    assert chunked.step_px == pytest.approx(whole.step_px, rel=0.01)
    squeezed = OnnxRecognizer(path, max_width=4096).recognize([line[:, ::6]])[0]
    assert squeezed.text != whole.text  # what squeezing to 500 px would have read instead


def test_batches_hold_lines_of_similar_width(tiny_onnx):
    rec = OnnxRecognizer(tiny_onnx, batch_size=3, pad_tolerance=0.1)
    widths = [100, 105, 110, 111, 300, 320, 2000]
    assert rec._batches(list(range(7)), widths) == [[0, 1, 2], [3], [4, 5], [6]]
    wide = OnnxRecognizer(tiny_onnx, batch_size=32, pad_tolerance=100)
    assert wide._batches(list(range(7)), widths) == [list(range(7))]
    with pytest.raises(ValueError):
        OnnxRecognizer(tiny_onnx, pad_tolerance=-1)


def test_auto_margins_keep_the_more_confident_of_padded_and_cut_readings(tiny_onnx, monkeypatch):
    from korocr.recognition.decoding import Decoded

    with pytest.raises(ValueError, match="normalize_margins"):
        OnnxRecognizer(tiny_onnx, normalize_margins="sometimes")
    rec = OnnxRecognizer(tiny_onnx, normalize_margins=True)
    assert rec.normalize_margins == "auto"

    def line(top, bottom):  # 20 px of ink between blank margins
        img = np.full((top + 20 + bottom, 120), 255, np.uint8)
        img[top:top + 20, 30:90] = 0
        return img

    tight, roomy = line(0, 0), line(5, 5)  # the tight one gets padded, the roomy one is left alone
    calls = []

    def fake_read(lines, shifts):
        calls.append([x.shape for x in lines])
        padded_pass = len(calls) == 1
        # the first pass (padded) is confident about the roomy line only; the second pass holds the cut re-crop
        return [Decoded("pad", 0.5, [0.9 if (padded_pass and x.shape[0] > 25 and i == 1) else 0.4])
                if padded_pass else Decoded("cut", 0.5, [0.8]) for i, x in enumerate(lines)]

    monkeypatch.setattr(rec, "_read", fake_read)
    out = rec.recognize([tight, roomy])
    assert len(calls) == 2 and len(calls[1]) == 1  # only the line the padding changed is read again
    assert [d.text for d in out] == ["cut", "pad"]
    rec.normalize_margins = "pad"
    calls.clear()
    assert [d.text for d in rec.recognize([tight, roomy])] == ["pad", "pad"] and len(calls) == 1
    # a padded reading at least recheck_below confident is not read again
    rec.normalize_margins, rec.recheck_below = "auto", 0.95

    def sure_read(lines, shifts):
        calls.append(len(lines))
        return [Decoded("pad", 0.97, [0.97]) for _ in lines]

    monkeypatch.setattr(rec, "_read", sure_read)
    calls.clear()
    assert [d.text for d in rec.recognize([tight, roomy])] == ["pad", "pad"] and calls == [2]
    rec.recheck_below = 1.0
    calls.clear()
    rec.recognize([tight, roomy])
    assert calls == [2, 1]
