"""Inverse DALL-E: dynamic shape encoding, a tiny model that memorises lines, drawing."""

import json
import random

import numpy as np
import pytest
import torch

pytest.importorskip("vector_quantize_pytorch", reason="needs vector-quantize-pytorch (korocr[train])")

from korocr.models.recognition.inverse_dalle import (GPTConfig, InverseDalle, VQVAE, VQVAEConfig,  # noqa: E402
                                                     Vocabulary, grid_at_scale, grid_for, lm_loss)
from korocr.models.recognition.inverse_dalle.tokens import SEP, SOR, SequenceTooLong  # noqa: E402


def test_grid_follows_the_aspect_ratio_within_the_budget():
    rows, cols = grid_for(32, 400, 96)  # a horizontal line
    assert rows * (cols + 1) <= 96 and cols > 4 * rows
    rows, cols = grid_for(400, 40, 96)  # a vertical column
    assert rows * (cols + 1) <= 96 and rows > 4 * cols
    assert grid_for(100, 100, 96)[0] == grid_for(100, 100, 96)[1]


def test_fixed_scale_grid_gives_every_character_the_same_codes():
    # a line twice as long gets twice the columns at the same rows (grid_for would give it fewer rows)
    assert grid_at_scale(32, 160, 8, 448) == (8, 40)
    assert grid_at_scale(32, 320, 8, 448) == (8, 55)  # capped by the budget: 8 × (55 + 1) = 448
    assert grid_at_scale(64, 320, 8, 448) == (8, 40)  # the same line at twice the size: the same grid
    assert grid_at_scale(160, 32, 8, 448) == (40, 8)  # a column: 8 columns across
    assert grid_for(32, 160, 448)[0] > 8
    with pytest.raises(ValueError):
        grid_at_scale(32, 160, 8, 10)
    model = _tiny(list("가나다"))
    model.gpt_config.code_rows, model.gpt_config.image_budget = 2, 48
    assert model.image_grid(np.zeros((20, 100), np.uint8)) == (2, 10)
    assert model.prepare(np.zeros((20, 100), np.uint8)).shape == (1, 1, 16, 80)  # f = 8


@pytest.mark.parametrize("shape", [(3, 12), (10, 2)])
def test_tokens_round_trip_shape_and_text(shape):
    v = Vocabulary(64, list("가나다 abc"))
    codes = np.random.default_rng(0).integers(0, 64, shape)
    seq = v.reading_sequence(codes, "가나 abc", 80)
    assert len(seq) == 80 and seq.count(SOR) == shape[0] and SEP in seq
    np.testing.assert_array_equal(v.codes_from_tokens(seq), codes)
    assert v.text_from_tokens(seq[seq.index(SEP) + 1:]) == "가나 abc"
    n = len(v.image_tokens(codes)) + len(v.text_tokens("가나 abc")) + 2
    assert len(v.reading_sequence(codes, "가나 abc", n)) == n  # an exact fit
    for make in (v.reading_sequence, v.drawing_sequence):  # one token short: an error, never a cut sequence
        with pytest.raises(SequenceTooLong, match=f"sequence of {n} tokens"):
            make(codes, "가나 abc", n - 1)


def _tiny(chars, **kw):
    torch.manual_seed(0)
    vq = VQVAE(VQVAEConfig(downsample=8, codebook_size=32, code_dim=16, hidden=16, res_blocks=0))
    return InverseDalle(vq, chars, GPTConfig(n_layer=2, n_embd=64, n_head=2, image_budget=48, max_length=64,
                                                  dropout=0.0, **kw))


def _init_codebook(model, images):
    with torch.no_grad():
        for img in images:
            model.vqvae(model.prepare(img))


def _memorise(model, images, texts, steps: int = 200, init_codebook: bool = True):
    """k-means-initialise the tiny model's codebook on ``images``, then train its GPT-2 on their reading
    sequences."""
    if init_codebook:
        _init_codebook(model, images)
    seqs = torch.tensor([model.vocab.reading_sequence(model.codes(img), t, 64) for img, t in zip(images, texts)])
    opt = torch.optim.AdamW(model.trainable_parameters(), lr=3e-3)
    model.lm.train()
    for _ in range(steps):
        loss, _ = lm_loss(model, seqs, 0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()


def _lines(korean_font):
    from korocr.synth.render import LineRenderer, RenderConfig, render_vertical

    texts = ["가나다", "라마", "바사아자"]
    r = LineRenderer([korean_font], RenderConfig(augment=False, effect_prob=0, skia_prob=0, bitmap_prob=0,
                                                 thermal_prob=0, tight_prob=1.0), seed=0)
    rng = random.Random(0)
    images = [r.render(t, rng, korean_font) for t in texts]
    images.append(render_vertical("차카타", korean_font, rng, size=28))  # and a vertical column
    texts.append("차카타")
    return images, texts


def test_tiny_model_memorises_lines_exactly(korean_font):
    images, texts = _lines(korean_font)
    model = _tiny(sorted(set("".join(texts))))
    _memorise(model, images, texts)
    assert [t for t, _ in model.read(images)] == texts


def test_grid_positions_number_rows_and_columns_of_image_tokens_only():
    from korocr.models.recognition.inverse_dalle.model import grid_positions

    vocab = Vocabulary(8, list("가나"))
    c, t = 4 + 5, vocab.char_offset  # an image code, a text token
    ids = torch.tensor([[SOR, c, c, SOR, c, c, SEP, t, 3, 0]])
    rows, cols, is_image = grid_positions(ids, vocab.char_offset)
    assert rows.tolist() == [[1, 1, 1, 2, 2, 2, 0, 0, 0, 0]]
    assert cols.tolist() == [[0, 1, 2, 0, 1, 2, 0, 0, 0, 0]]
    assert is_image.tolist() == [[True] * 6 + [False] * 4]


def test_pos2d_model_reads_after_save_and_load_and_draws(korean_font, tmp_path):
    images, texts = _lines(korean_font)
    model = _tiny(sorted(set("".join(texts))), pos2d=True)
    with pytest.raises(ValueError, match="codebook"):
        model.init_code_embeddings(seed=0)  # before the VQ-VAE's k-means initialisation
    _init_codebook(model, images)
    model.init_code_embeddings(seed=0)  # codebook-initialised code embeddings: alike codes start alike
    wte = model.lm.transformer.wte.weight
    assert torch.count_nonzero(wte[4:4 + 32]).item() > 0 and wte[4:4 + 32].std().item() == pytest.approx(0.02, rel=0.5)
    # the same code in two columns gets two embeddings; a text token its token embedding alone
    code, char = 4 + 7, model.vocab.char_offset
    e = model.embed(torch.tensor([[SOR, code, code, SEP, char]]))[0]
    assert not torch.allclose(e[1], e[2])
    torch.testing.assert_close(e[4], wte[char])
    _memorise(model, images, texts, init_codebook=False)
    assert [t for t, _ in model.read(images)] == texts
    loaded = InverseDalle.load(model.save(tmp_path / "m"))
    assert loaded.gpt_config.pos2d and (tmp_path / "m" / "pos2d.pt").is_file()
    assert [t for t, _ in loaded.read(images)] == texts  # fp16 weights, same readings
    assert [t for t, _ in loaded.read(images, num_beams=3)] == texts
    img, caption = loaded.draw(seed=0)
    f = loaded.vqvae.config.downsample
    assert img.dtype == np.uint8 and img.shape[0] % f == 0 and img.shape[1] % f == 0
    img2, cap2 = loaded.draw("가나", seed=0)
    assert cap2 == "가나" and img2.shape[0] % f == 0


def test_drawing_gives_an_image_of_grid_size(tmp_path):
    model = _tiny(list("가나다"))
    img, caption = model.draw(seed=0)
    f = model.vqvae.config.downsample
    assert img.dtype == np.uint8 and img.ndim == 2 and img.shape[0] % f == 0 and img.shape[1] % f == 0
    img2, cap2 = model.draw("가나", seed=0)
    assert cap2 == "가나" and img2.shape[0] % f == 0
    loaded = InverseDalle.load(model.save(tmp_path / "m"))
    assert loaded.vocab.chars == model.vocab.chars
    a = model.prepare(np.full((32, 100), 255, np.uint8))
    torch.testing.assert_close(loaded.vqvae.encoder(a), model.vqvae.encoder(a), atol=2e-2, rtol=1e-2)


@pytest.mark.parametrize("pos2d", [False, True])
def test_drawing_at_a_requested_size(pos2d):
    model = _tiny(list("가나다"), pos2d=pos2d)  # image_budget 48, max_length 64, f = 8
    for text in (None, "가나"):
        img, caption = model.draw(text, seed=1, size=(24, 80))  # 3 rows of 10 codes
        assert img.shape == (24, 80), img.shape
        assert (caption == "가나") if text else isinstance(caption, str)
    img, _ = model.draw("가", seed=2, size=(13, 30))  # rounded to whole 8-px codes: 2 x 4
    assert img.shape == (16, 32)
    with pytest.raises(ValueError, match="max_length"):
        model.draw("가", seed=0, size=(64, 256))  # 8 rows of 32 codes: 264 tokens
    with pytest.raises(ValueError, match="less than one"):
        model.draw(None, size=(2, 40))


def test_cli_tokenize_read_and_generate(tmp_path, capsys):
    from PIL import Image

    from korocr.cli import main
    from korocr.reader import Reader

    model_dir = _tiny(list("가나다"))
    model_dir = model_dir.save(tmp_path / "m")
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    Image.fromarray(np.full((32, 96, 3), 255, np.uint8)).save(data / "images" / "a.png")
    Image.fromarray(np.full((32, 96, 3), 255, np.uint8)).save(data / "images" / "long.png")
    (data / "labels.tsv").write_text("images/a.png\t가나\nimages/missing.png\t다\nimages/long.png\t" + "가" * 60
                                     + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as e:
        main(["dataset", "tokenize", str(model_dir), str(data), "-o", str(tmp_path / "tok"), "--max-length", "64"])
    assert e.value.code == 0
    out = capsys.readouterr()
    assert "read 3, written 1, rejected 2" in out.out and "longer than max_length 64" in out.err  # not cut
    tokens = np.load(tmp_path / "tok" / "tokens.npy")
    assert tokens.shape == (1, 64) and SEP in tokens[0]
    page = Reader(rec_model=model_dir).read(np.full((32, 96, 3), 255, np.uint8), line=True)  # registry → family
    assert isinstance(page.text, str)
    with pytest.raises(SystemExit) as e:
        main(["generate", "가나", "-o", str(tmp_path / "g.png"), "--model", str(model_dir), "--seed", "1"])
    assert e.value.code == 0 and Image.open(tmp_path / "g.png").size[0] % 8 == 0
    with pytest.raises(SystemExit) as e:  # a requested size (px), rounded to whole codes
        main(["generate", "가나", "-o", str(tmp_path / "s.png"), "--model", str(model_dir), "--seed", "1",
              "--width", "64", "--height", "16"])
    assert e.value.code == 0 and Image.open(tmp_path / "s.png").size == (64, 16)
    with pytest.raises(SystemExit) as e:  # one side only: a clear error, no traceback
        main(["generate", "가나", "-o", str(tmp_path / "t.png"), "--model", str(model_dir), "--width", "64"])
    assert e.value.code == 2 and "--width and --height together" in capsys.readouterr().err


def test_jamo_vocabulary_spells_syllables_and_reads_them_back():
    from korocr.models.recognition.inverse_dalle.tokens import Vocabulary
    from korocr.text.charsets import Charset, decompose_hangul

    jamo = Vocabulary(64, Charset.resolve("default-jamo").chars)
    text = "값싼 OCR 3,980원"
    ids = jamo.text_tokens(text)
    assert jamo.jamo and len(ids) == len(decompose_hangul(text)) > len(text)
    assert jamo.text_from_tokens(ids) == text
    whole = Vocabulary(64, Charset.resolve("default").chars)
    assert not whole.jamo and len(whole.text_tokens(text)) == len(text)


def _vqvae_args(tmp_path, korean_font, *extra):
    """``korocr train --arch vqvae`` arguments for a 2-step run on two words in one face (``extra`` overrides)."""
    from korocr.cli import build_parser

    words = tmp_path / "w.txt"
    words.write_text("가나\n다라\n", encoding="utf-8")
    return build_parser().parse_args(
        ["train", "--arch", "vqvae", "--words", str(words), "--fonts", korean_font.spec.key, "--max-steps", "2",
         "--batch-size", "2", "--workers", "0", "--codebook-size", "16", "--runs-dir", str(tmp_path / "runs"),
         "--seed", "1", *extra])


def test_vqvae_training_run_and_continuing_from_its_weights(tmp_path, korean_font):
    import torch

    from korocr.cli import build_parser
    from korocr.training.train import run
    from korocr.training.train_inverse_dalle import load_vqvae

    words = tmp_path / "w.txt"

    def args(*extra):
        return _vqvae_args(tmp_path, korean_font, *extra)

    first = run(args())
    vq = load_vqvae(first / "vqvae.pt")
    assert vq.config.codebook_size == 16
    second = run(args("--init-from", str(first / "vqvae.pt"), "--codebook-size", "64", "--lr", "1e-12"))
    again = load_vqvae(second / "vqvae.pt")
    assert again.config.codebook_size == 16  # the weights' architecture wins
    x = torch.zeros(1, 1, 32, 64)
    torch.testing.assert_close(again.encoder(x), vq.encoder(x), atol=2e-2, rtol=1e-2)

    # a GPT-2 on those codes at a fixed scale (--code-rows), its size from --gpt-layers/--gpt-width, with grid
    # embeddings (--pos2d) and code embeddings from the codebook (--code-embed-init)
    gpt = run(build_parser().parse_args(
        ["train", "--arch", "inverse-dalle", "--vqvae", str(first / "vqvae.pt"), "--words", str(words), "--fonts",
         korean_font.spec.key, "--max-steps", "2", "--batch-size", "2", "--workers", "0", "--image-budget", "64",
         "--sequence-length", "80", "--code-rows", "2", "--gpt-layers", "1", "--gpt-width", "32", "--pos2d",
         "--code-embed-init", "--lr", "1e-12", "--runs-dir", str(tmp_path / "runs"), "--seed", "1",
         "--val-every", "1", "--val-size", "3"]))
    model = InverseDalle.load(gpt / "model")
    # validation on fixed samples: text cross-entropy and the CER of greedy readings, every --val-every steps
    rows = [json.loads(x) for x in (gpt / "metrics.jsonl").read_text().splitlines()]
    val = [r for r in rows if "val/text_ce" in r]
    assert [r["step"] for r in val] == [1, 2] and all(r["val/cer"] >= 0 and r["val/text_ce"] > 0 for r in val)
    assert (model.gpt_config.code_rows, model.gpt_config.chunk_rows, model.gpt_config.pos2d) == (2, 2, True)
    fresh = InverseDalle(vq, model.vocab.chars, model.gpt_config)
    fresh.init_code_embeddings(seed=1)  # what --code-embed-init wrote (the learning rate kept it)
    torch.testing.assert_close(model.lm.transformer.wte.weight[4:20], fresh.lm.transformer.wte.weight[4:20],
                               atol=1e-3, rtol=1e-2)
    assert (model.lm.config.n_layer, model.lm.config.n_embd) == (1, 32)
    assert model.image_grid(np.zeros((32, 320), np.uint8)) == (2, 20)
    from korocr.training.train_inverse_dalle import InverseDalleLit

    assert not model.lm.training  # loaded for reading
    assert InverseDalleLit(model, 1e-4, 1, 2).model.lm.training  # continued training keeps its dropout


def test_vqvae_ink_weight_counts_errors_on_strokes_more():
    from korocr.models.recognition.inverse_dalle.vqvae import VQVAE, VQVAEConfig

    torch.manual_seed(0)
    img = torch.ones(2, 1, 16, 64)
    img[:, :, 6:10, 8:56] = -1.0  # a dark stroke on white: 192 of 1,024 pixels
    plain = VQVAE(VQVAEConfig(downsample=8, codebook_size=8, code_dim=8, hidden=16, res_blocks=0))
    inked = VQVAE(VQVAEConfig(downsample=8, codebook_size=8, code_dim=8, hidden=16, res_blocks=0, ink_weight=9.0))
    inked.load_state_dict(plain.state_dict())
    white = torch.ones_like(img)  # a reconstruction that loses the stroke entirely
    for m in (plain, inked):
        m.forward = lambda images: (white, torch.zeros(2, 2, 8, dtype=torch.long), torch.tensor(0.0))
    lp, mp = plain.loss(img)
    li, mi = inked.loss(img)
    assert mp["l1"] == mi["l1"] and abs(lp.item() - mp["l1"]) < 1e-6  # plain: the loss is the L1
    f = 192 / 1024  # weighted: errors (2.0 each) on the stroke pixels count 10 times
    assert abs(li.item() - 2 * f * 10 / ((1 - f) + f * 10)) < 1e-5 and li > 3 * lp


def test_ocr_distillation_loss_is_zero_on_the_original_and_trains_the_reconstruction(tmp_path, tiny_model,
                                                                                     korean_font):
    """KL(p(x) ‖ p(x̂)) of a frozen recogniser: 0 for x̂ = x, positive and differentiable otherwise; columns are
    read as their 32-px squares side by side; a vqvae run takes it with --ocr-loss-weight."""
    from korocr.models.checkpoints import save_weights
    from korocr.training.train import run
    from korocr.training.train_inverse_dalle import OCRDistillLoss, load_vqvae

    model, charset = tiny_model
    teacher = save_weights(tmp_path / "teacher.pt", model, charset)
    ocr = OCRDistillLoss(teacher).train()
    assert not ocr.teacher.training and not any(p.requires_grad for p in ocr.parameters())

    class Sharp(torch.nn.Module):  # a random CRNN's posteriors hardly depend on the image; this one's do
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.conv = torch.nn.Conv2d(1, 12, (32, 4), stride=(32, 4))

        def forward(self, x):
            return 5 * self.conv(x).squeeze(2).transpose(1, 2)  # (N, T, C)

    ocr.teacher = Sharp().eval().requires_grad_(False)
    torch.manual_seed(0)
    x = torch.rand(2, 1, 32, 128) * 2 - 1
    assert ocr(x, x).abs().item() < 1e-5
    rec = torch.zeros_like(x, requires_grad=True)
    loss = ocr(rec, x)
    loss.backward()
    assert loss.item() > 1e-4 and rec.grad.abs().sum() > 0
    col = torch.rand(2, 1, 96, 32) * 2 - 1
    assert ocr._as_line(col).shape == (2, 1, 32, 96)
    torch.testing.assert_close(ocr._as_line(col)[..., 32:64], col[:, :, 32:64, :])  # the second square
    assert ocr(torch.zeros_like(col), col).item() > 0

    out = run(_vqvae_args(tmp_path, korean_font, "--ocr-loss-weight", "1", "--ocr-teacher", str(teacher)))
    assert load_vqvae(out / "vqvae.pt").config.codebook_size == 16
    assert json.loads((out / "args.json").read_text(encoding="utf-8"))["ocr_loss_weight"] == 1.0


def test_long_lines_are_read_in_pieces_cut_at_word_gaps(korean_font):
    """chunk_rows: a line too long for the budget is cut at its word gaps, each piece read, the texts joined with
    the spaces; a tiny model that has memorised the pieces reads the whole line."""
    from korocr.preprocessing.line import split_at_gaps
    from korocr.synth.render import LineRenderer, RenderConfig

    r = LineRenderer([korean_font], RenderConfig(augment=False, effect_prob=0, skia_prob=0, bitmap_prob=0,
                                                 thermal_prob=0, tight_prob=1.0, font_size=(28, 28)), seed=0)
    rng = random.Random(0)
    words = ["가나다", "라마", "바사"]
    crops = [r.render(w, rng, korean_font) for w in words]
    h = max(c.shape[0] for c in crops)
    gap = np.full((h, int(1.2 * h), 3), 255, np.uint8)
    pad = [np.pad(c, ((0, h - c.shape[0]), (0, 0), (0, 0)), constant_values=255) for c in crops]
    line = np.concatenate([pad[0], gap, pad[1], gap, pad[2]], axis=1)
    model = _tiny(sorted(set("".join(words))))
    model.gpt_config.chunk_rows = 3  # 48 tokens: pieces up to 15 / 3 = 5 line heights
    pieces = split_at_gaps(line, model.gpt_config.max_aspect())
    assert [sp for _, sp in pieces] == [False, True, True]  # cut at both word gaps, nowhere else
    assert sum(p.shape[1] for p, _ in pieces) == line.shape[1]
    _memorise(model, [p for p, _ in pieces], words)
    assert model.read([line])[0][0] == "가나다 라마 바사"


def test_text_language_model_fusion_steers_the_reading_and_is_saved(korean_font, tmp_path):
    """Shallow fusion of a character n-gram model (CharNgramLM): an untrained GPT-2 reads noise; with a language
    model that knows one line and a large weight it spells that line and stops; weight 0 reads as without it; the
    earlier pieces' text is the fusion's context; the model directory keeps the language model."""
    from korocr.models.recognition.inverse_dalle.model import TEXT_LM, _TextLMFusion
    from korocr.text.char_lm import CharNgramLM
    from korocr.text.charsets import Charset

    chars = Charset.resolve("default-jamo").chars
    model = _tiny(chars)
    images, _ = _lines(korean_font)
    plain = model.read(images[:1])
    assert plain[0][0] != "가나다"
    lm = CharNgramLM(chars, order=4, weight=8.0, bonus=30.0).fit(["가나다"] * 5)
    model.set_text_lm(lm)
    assert model.read(images[:1])[0][0] == "가나다"
    assert model.read(images[:1], lm_weight=0.0) == plain
    beam = model.read(images[:1], num_beams=3)
    assert beam[0][0] == "가나다" and 0.0 < beam[0][1] <= 1.0  # the confidence: the GPT-2's own, not the fusion's
    model.gpt_config.num_beams = 3  # the model's default beam width
    assert model.read(images[:1]) == beam
    # the context: after "가나" the language model's next jamo is 다's first, at the start it is 가's
    fusion = _TextLMFusion(model.vocab, lm, 1.0, 0.0, context="가나")
    start = _TextLMFusion(model.vocab, lm, 1.0, 0.0)
    zeros = torch.zeros(1, model.vocab.size)
    off = model.vocab.char_offset
    assert chars[int(fusion(torch.zeros(1, 0, dtype=torch.long), zeros.clone())[0, off:].argmax())] == "\u1103"
    assert chars[int(start(torch.zeros(1, 0, dtype=torch.long), zeros.clone())[0, off:].argmax())] == "\u1100"
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / TEXT_LM).is_file()
    back = InverseDalle.load(tmp_path / "m")
    assert back.text_lm is not None and back.text_lm.weight == 8.0 and back.gpt_config.num_beams == 3
    assert back.read(images[:1])[0][0] == "가나다"
    with pytest.raises(ValueError, match="charset"):
        model.set_text_lm(CharNgramLM(["a", "b"]))
    from korocr.errors import ModelLoadError
    from korocr.recognition import make_recognizer

    rec = make_recognizer(tmp_path / "m", threads=1, lm_weight=0.0)  # the reader's --lm-weight
    assert rec.recognize(images[:1])[0].text == back.read(images[:1], lm_weight=0.0)[0][0]
    with pytest.raises(ModelLoadError, match="lm-weight"):
        make_recognizer(None, lm_weight=0.5)  # the default CTC model has no language model to weigh


def test_piece_cap_counts_ink_heights_so_margins_do_not_lengthen_pieces(monkeypatch):
    """piece_aspect caps a piece at that many heights of the line's ink: the same ink with a wide margin above and
    below (a taller crop) is cut into as many pieces as the tight crop; with no cap the taller crop's pieces grow
    with its height (the budget's limit is in crop heights)."""
    model = _tiny(list("가나"))
    model.gpt_config.chunk_rows = 2  # 48 tokens at 2 rows: pieces up to 23 / 2 = 11.5 crop heights
    tight = np.full((12, 400), 255, np.uint8)
    for x0 in range(4, 396, 14):  # 28 "syllables" of 12 x 12 px ink, 2 px apart
        tight[:, x0:x0 + 12] = 0
    loose = np.pad(tight, ((12, 12), (0, 0)), constant_values=255)  # the same ink in a crop 3x as tall
    widths: list[int] = []
    monkeypatch.setattr(model, "_read_one", lambda img, *a: (widths.append(img.shape[1]), ("가", 1.0))[1])

    def pieces(img, cap):
        widths.clear()
        model.read([img], piece_aspect=cap)
        return list(widths)

    for img in (tight, loose):
        got = pieces(img, 3.0)
        assert len(got) >= 10 and max(got) <= 3 * 12 + 2, got  # about three 12-px syllables each
    assert len(pieces(loose, 0)) < len(pieces(tight, 0))  # uncapped: crop heights, so the loose crop gets fewer
    model.gpt_config.piece_aspect = 3.0  # the config's cap is the default
    assert len(pieces(loose, None)) == len(pieces(loose, 3.0))


def test_split_at_gaps_keeps_pieces_short_and_cuts_columns_between_characters():
    from korocr.preprocessing.line import split_at_gaps

    line = np.full((20, 200), 255, np.uint8)
    for x0, x1 in [(5, 35), (38, 60), (75, 110), (113, 140), (160, 195)]:
        line[4:16, x0:x1] = 0  # blobs: gaps of 3 px (inside words) and 15 / 20 px (word spaces)
    pieces = split_at_gaps(line, 4.0)
    assert all(p.shape[1] <= 80 for p, _ in pieces) and sum(p.shape[1] for p, _ in pieces) == 200
    assert [sp for _, sp in pieces] == [False, True, False, True]
    assert split_at_gaps(line, 20.0)[0][0] is line  # short enough: whole
    solid = np.zeros((20, 200), np.uint8)
    solid[:, 90] = 255  # one long "word" with no blank run: cut at the emptiest column in reach
    assert all(p.shape[1] <= 80 for p, _ in split_at_gaps(solid, 4.0))
    column = np.full((200, 24), 255, np.uint8)
    for y in range(4, 190, 28):
        column[y:y + 16, 6:18] = 0  # seven characters, 12 px apart
    cells = split_at_gaps(column, 3.0, vertical=True)
    assert all(p.shape[0] <= 72 for p, _ in cells) and sum(p.shape[0] for p, _ in cells) == 200
    assert not any(sp for _, sp in cells)
    for p, _ in cells:  # every cut falls in a gap: no character is split
        assert (p[0] == 255).all() and (p[-1] == 255).all()
    with pytest.raises(ValueError):
        split_at_gaps(line, 0)


def test_clean_renders_are_dark_type_on_a_light_ground(tmp_path, korean_font):
    from korocr.cli import build_parser
    from korocr.text.charsets import Charset
    from korocr.training.train_inverse_dalle import _Samples

    words = tmp_path / "w.txt"
    words.write_text("가나다\n라마바사\n아자\n", encoding="utf-8")
    base = ["train", "--arch", "inverse-dalle", "--words", str(words), "--fonts", korean_font.spec.key,
            "--max-chars", "4"]
    for clean in (True, False):
        args = build_parser().parse_args(base + (["--clean-renders"] if clean else []))
        stream = _Samples(args, Charset.resolve("default-jamo"), seed=3).stream()
        samples = [next(stream) for _ in range(40)]
        assert all(t and img.size for img, t in samples)
        light = []
        for img, _ in samples:
            g = img.mean(-1) if img.ndim == 3 else img.astype(float)
            light.append(np.median(g) > g.min() + 40)  # the ground (most pixels) well above the darkest ink
        if clean:
            assert all(light) and all(img.ndim == 2 for img, _ in samples)
        else:
            assert not all(light)  # light on dark and low contrast come into the default renders


def test_vertical_share_sets_the_training_columns_not_the_validation_samples(tmp_path, korean_font):
    from korocr.cli import build_parser
    from korocr.errors import KorocrError
    from korocr.text.charsets import Charset
    from korocr.training.train_inverse_dalle import VAL_SEED, _Samples

    words = tmp_path / "w.txt"
    words.write_text("가나다라\n마바사아\n자차카타\n", encoding="utf-8")
    base = ["train", "--arch", "inverse-dalle", "--words", str(words), "--fonts", korean_font.spec.key,
            "--max-chars", "4", "--clean-renders"]
    charset = Charset.resolve("default-jamo")

    def samples(share, seed=None, n=20):
        args = build_parser().parse_args(base + ([] if share is None else ["--vertical-share", str(share)]))
        stream = _Samples(args, charset, seed=3).stream(seed=seed)
        return [next(stream) for _ in range(n)]

    def column(img, text):  # 3+ characters stacked: taller than wide; set in a line: wider than tall
        return img.shape[0] > img.shape[1] if len(text.replace(" ", "")) >= 3 else None

    assert {column(*s) for s in samples(1.0, n=40)} == {True, None}
    assert {column(*s) for s in samples(0.0, n=40)} == {False, None}
    assert {column(*s) for s in samples(None, n=80)} == {True, False, None}  # the default mixes both
    val = [(img.shape, t) for img, t in samples(1.0, seed=VAL_SEED)]
    assert val == [(img.shape, t) for img, t in samples(0.0, seed=VAL_SEED)]  # validation ignores the share
    assert {h > w for (h, w), t in val if len(t.replace(" ", "")) >= 3} == {True, False}
    with pytest.raises(KorocrError, match="vertical-share"):
        samples(1.5)


def test_draw_share_mixes_reading_and_drawing_sequences(tmp_path, korean_font):
    from korocr.cli import build_parser
    from korocr.text.charsets import Charset
    from korocr.training.train_inverse_dalle import _Samples, _TokenBatches

    words = tmp_path / "w.txt"
    words.write_text("가나\n다라\n", encoding="utf-8")
    args = build_parser().parse_args(["train", "--arch", "inverse-dalle", "--words", str(words), "--fonts",
                                      korean_font.spec.key, "--max-chars", "2"])
    charset = Charset.resolve("default-jamo")
    model = _tiny(charset.chars)

    def first_tokens(share):  # a reading sequence opens with SOR (the image), a drawing one with a text token
        batches = iter(_TokenBatches(_Samples(args, charset, seed=5), model, 8, share))
        seqs = torch.cat([next(batches) for _ in range(3)])
        return [int(t) for t in seqs[:, 0]]

    assert set(first_tokens(0.0)) == {SOR}
    drawing = first_tokens(1.0)
    assert SOR not in drawing and all(t >= model.vocab.char_offset for t in drawing)
    mixed = first_tokens(0.5)
    n_draw = sum(t != SOR for t in mixed)
    assert 3 <= n_draw <= 21, n_draw  # 24 samples, about half of each
    assert first_tokens(0.5) == mixed  # the choice is seeded: a run repeats
    with pytest.raises(ValueError):
        _TokenBatches(_Samples(args, charset, seed=5), model, 8, 1.5)


def test_continued_model_takes_a_given_image_loss_weight(tmp_path, korean_font):
    from korocr.cli import build_parser
    from korocr.training.train import run

    words = tmp_path / "w.txt"
    words.write_text("가나\n다라\n", encoding="utf-8")
    base = _tiny(list("가나다라"), image_loss_weight=0.0).save(tmp_path / "m")
    common = ["train", "--arch", "inverse-dalle", "--init-from", str(base), "--words", str(words), "--fonts",
              korean_font.spec.key, "--max-chars", "2", "--max-steps", "1", "--batch-size", "2", "--workers", "0",
              "--lr", "1e-12", "--runs-dir", str(tmp_path / "runs"), "--seed", "1", "--val-size", "2"]
    kept = run(build_parser().parse_args(common))
    assert InverseDalle.load(kept / "model").gpt_config.image_loss_weight == 0.0  # not given: the model's own
    given = run(build_parser().parse_args(common + ["--image-loss-weight", "1", "--draw-share", "0.5"]))
    assert InverseDalle.load(given / "model").gpt_config.image_loss_weight == 1.0
    with pytest.raises(Exception, match="draw-share"):
        run(build_parser().parse_args(common + ["--draw-share", "2"]))


def test_margins_normalised_before_coding_so_a_loose_crop_codes_like_a_tight_one(korean_font):
    from korocr.synth.render import render_vertical

    _lines_ = _lines(korean_font)
    line = _lines_[0][1]  # 라마, cropped tight to the ink
    col = render_vertical("차카타", korean_font, random.Random(0), size=28)
    model = _tiny(list("라마차카타"), margins=(0.15, 0.15), code_rows=2)
    plain = _tiny(list("라마차카타"), code_rows=2)
    for img in (line, col):
        g = img.mean(-1).astype(np.uint8) if img.ndim == 3 else img
        m = max(g.shape) // 2
        loose = np.pad(g, m, constant_values=int(np.median(g)))  # half the long side of blank on every side
        tight, wide = model.normalize(g), model.normalize(loose)
        assert abs(tight.shape[0] - wide.shape[0]) <= 2 and abs(tight.shape[1] - wide.shape[1]) <= 2
        a, b = model.prepare(g).shape[2:], model.prepare(loose).shape[2:]
        assert all(abs(x - y) <= 8 for x, y in zip(a, b))  # the same grid, give or take one code (8 px)
        assert plain.normalize(loose) is loose  # without margins the crop decides: its blank is coded too


def test_committed_export_reads_lines_and_columns_through_the_registry(korean_font):
    """``models/inverse-dalle`` (issue 14: the export in the repository, so a fresh clone runs the family): it
    loads as a reader from the directory, keeps its fp16 weights, and gives a text for a line and a column (it
    does not read them right yet: docs/inverse_dalle.md)."""
    from pathlib import Path

    from korocr.reader import Reader
    from korocr.synth.render import render_vertical

    path = Path(__file__).resolve().parents[1] / "models" / "inverse-dalle"
    if not (path / "korocr_inverse_dalle.json").is_file():
        pytest.skip("models/inverse-dalle is not in this checkout")
    assert (path / "gpt2" / "weights.fp16.pt").is_file() and (path / "vqvae.pt").is_file()
    images, _ = _lines(korean_font)
    reader = Reader(rec_model=path)
    line = reader.read(images[0], line=True)
    column = reader.read(render_vertical("서울역", korean_font, random.Random(1), size=32), line=True, vertical=True)
    assert isinstance(line.text, str) and isinstance(column.text, str) and len(line.lines) == 1


def test_ctc_frames_follow_the_last_row_of_a_line_and_the_last_column_of_a_column():
    model = _tiny(list("가나"), ctc_weight=0.5)
    c, a, b = 4 + 5, model.vocab.char_offset, model.vocab.char_offset + 1  # a code, 가, 나
    line = [SOR, c, c, c, SOR, c, c, c, SEP, a, b, 3]  # 2 rows x 3 columns: frames = the 2nd row's codes
    column = [SOR, c, SOR, c, SOR, c, SEP, b, 3, 0, 0, 0]  # 3 rows x 1 column: frames = each row's last code
    pos, frames, targets, lengths = model.ctc_frames(torch.tensor([line, column]))
    assert pos.tolist() == [[5, 6, 7], [1, 3, 5]] and frames.tolist() == [3, 3]
    assert targets.tolist() == [[1, 2], [2, 0]] and lengths.tolist() == [2, 1]


def test_ctc_auxiliary_loss_trains_the_image_states_and_survives_save_and_load(korean_font, tmp_path):
    images, texts = _lines(korean_font)
    model = _tiny(sorted(set("".join(texts))), pos2d=True, ctc_weight=1.0)
    _init_codebook(model, images)
    seqs = torch.tensor([model.vocab.reading_sequence(model.codes(img), t, 64) for img, t in zip(images, texts)])
    first = lm_loss(model, seqs, 0.1)[1]["ctc"]
    _memorise(model, images, texts, init_codebook=False)
    loss, m = lm_loss(model, seqs, 0.1)
    assert m["ctc"] < 0.2 * first  # the image tokens' states now spell the text
    assert [t for t, _ in model.read(images)] == texts  # reading still generates after SEP
    # drawing sequences (text first) get no CTC term
    draw = torch.tensor([model.vocab.drawing_sequence(model.codes(images[0]), texts[0], 64)])
    assert "ctc" not in lm_loss(model, draw, 0.1)[1]
    loaded = InverseDalle.load(model.save(tmp_path / "m"))
    assert (tmp_path / "m" / "ctc.pt").is_file() and loaded.gpt_config.ctc_weight == 1.0
    assert lm_loss(loaded, seqs, 0.1)[1]["ctc"] == pytest.approx(m["ctc"], abs=0.05)
    with pytest.raises(RuntimeError, match="no CTC head"):
        _tiny(list("가")).ctc_loss(torch.zeros(1, 4, 64), seqs[:1])


def test_vqvae_decoder_only_training_keeps_the_codes(tmp_path, korean_font):
    from korocr.training.train import run
    from korocr.training.train_inverse_dalle import load_vqvae

    def args(*extra):
        return _vqvae_args(tmp_path, korean_font, "--max-steps", "3", "--downsample", "4", *extra)

    init = str(run(args()) / "vqvae.pt")
    first = load_vqvae(init)
    with pytest.raises(Exception, match="--decoder-only needs --init-from"):
        run(args("--decoder-only"))
    tuned = load_vqvae(run(args("--init-from", init, "--decoder-only", "--lr", "1e-2")) / "vqvae.pt")
    x = torch.rand(2, 1, 32, 64) * 2 - 1
    assert torch.equal(tuned.encode(x), first.encode(x))  # encoder and codebook frozen: the same codes
    for k, v in first.state_dict().items():
        if not k.startswith("decoder."):
            torch.testing.assert_close(tuned.state_dict()[k], v)
    assert any(not torch.allclose(tuned.state_dict()[k], v) for k, v in first.state_dict().items()
               if k.startswith("decoder."))  # the decoder learnt
    bigger = load_vqvae(run(args("--init-from", init, "--decoder-only", "--decoder-hidden", "32",
                                 "--decoder-res-blocks", "2")) / "vqvae.pt")
    assert (bigger.config.decoder_hidden, bigger.config.decoder_res_blocks) == (32, 2)
    assert torch.equal(bigger.encode(x), first.encode(x)) and bigger.decode(first.encode(x)).shape == x.shape


def test_residual_quantizers_add_levels_to_a_single_codebook(tmp_path, korean_font):
    """--quantizers Q: residual quantisation, Q codes per grid cell; grown from a 1-codebook VQ-VAE, its codebook is
    the first level (the first code of every cell is the old code); a GPT-2 without a code stem refuses residual
    codes."""
    from korocr.cli import build_parser
    from korocr.training.train import run
    from korocr.training.train_inverse_dalle import grow_quantizer_levels, load_vqvae

    def args(*extra):
        return _vqvae_args(tmp_path, korean_font, "--max-steps", "2", "--downsample", "4", *extra)

    x = torch.rand(2, 1, 32, 64) * 2 - 1
    rvq = VQVAE(VQVAEConfig(downsample=4, codebook_size=16, code_dim=16, hidden=16, res_blocks=0, quantizers=3))
    rec, codes, loss = rvq(x)
    assert rec.shape == x.shape and codes.shape == (2, 8, 16, 3) and loss.dim() == 0
    assert rvq.encode(x).shape == (2, 8, 16, 3) and rvq.decode(rvq.encode(x)).shape == x.shape
    with pytest.raises(ValueError, match="residual codebooks"):
        InverseDalle(rvq, list("가나"))

    init = str(run(args()) / "vqvae.pt")
    first = load_vqvae(init)
    cfg = VQVAEConfig.from_dict({**first.config.to_dict(), "quantizers": 2})
    grown = VQVAE(cfg)
    grown.load_state_dict(grow_quantizer_levels(first.state_dict(), grown.state_dict()))
    assert torch.equal(grown.quantizer.layers[0].codebook, first.quantizer.codebook)
    assert torch.equal(grown.encode(x)[..., 0], first.encode(x))  # level 0 codes as before
    grown_path = run(args("--init-from", init, "--quantizers", "2")) / "vqvae.pt"  # the same through the CLI
    assert load_vqvae(grown_path).config.quantizers == 2
    with pytest.raises(Exception, match="only a 1-codebook"):
        run(args("--init-from", str(grown_path), "--quantizers", "3"))
    # --keep-first-level: encoder and level 0 frozen (no EMA update either), so the first codes stay the old ones
    kept = load_vqvae(run(args("--init-from", init, "--quantizers", "2", "--keep-first-level", "--lr", "1e-2"))
                      / "vqvae.pt")
    assert torch.equal(kept.encode(x)[..., 0], first.encode(x))
    torch.testing.assert_close(kept.quantizer.layers[0].codebook, first.quantizer.codebook)
    with pytest.raises(Exception, match="--quantizers 2 or more"):
        run(args("--init-from", init, "--keep-first-level"))
    words = tmp_path / "w.txt"
    with pytest.raises(Exception, match="residual codebooks"):  # a GPT-2 on residual codes: a clear error
        run(build_parser().parse_args(["train", "--arch", "inverse-dalle", "--vqvae", str(grown_path), "--words",
                                       str(words), "--fonts", korean_font.spec.key, "--max-steps", "1",
                                       "--runs-dir", str(tmp_path / "runs")]))


def test_code_stem_is_causal_starts_at_zero_and_trains(korean_font, tmp_path):
    images, texts = _lines(korean_font)
    model = _tiny(sorted(set("".join(texts))), pos2d=True)
    _init_codebook(model, images)
    seqs = torch.tensor([model.vocab.reading_sequence(model.codes(img), t, 64) for img, t in zip(images, texts)])
    before = model.embed(seqs)
    model.add_code_stem(2)
    torch.testing.assert_close(model.embed(seqs), before)  # zero-initialised output: the model reads as before
    torch.nn.init.normal_(model.code_stem.out.weight, std=0.5)
    a = model.embed(seqs[:1])
    changed = seqs[:1].clone()
    k = next(i for i in range(15, 64) if 4 <= int(changed[0, i]) < model.vocab.char_offset)  # a code mid-image
    changed[0, k] = 4 + (int(changed[0, k]) - 4 + 1) % 32
    b = model.embed(changed)
    torch.testing.assert_close(a[0, :k], b[0, :k])  # tokens before it: unchanged (causal in raster order)
    assert not torch.allclose(a[0, k + 1:k + 12], b[0, k + 1:k + 12])  # tokens after it see it
    torch.nn.init.zeros_(model.code_stem.out.weight)
    _memorise(model, images, texts, init_codebook=False)
    assert model.code_stem.out.weight.abs().sum() > 0  # the stem learnt
    assert [t for t, _ in model.read(images)] == texts
    loaded = InverseDalle.load(model.save(tmp_path / "m"))
    assert loaded.gpt_config.code_stem == 2 and (tmp_path / "m" / "code_stem.pt").is_file()
    assert [t for t, _ in loaded.read(images)] == texts
    img, _ = loaded.draw("가나", seed=0)  # drawing re-embeds the sequence so far through the stem
    assert img.dtype == np.uint8
    with pytest.raises(ValueError, match="pos2d"):
        _tiny(list("가")).add_code_stem(1)


def _residual_from(vq: VQVAE, images, prepare) -> VQVAE:
    """A 2-level VQ-VAE grown from ``vq`` whose second level is k-means-initialised on ``images`` while its encoder
    and first level stay ``vq``'s (what --keep-first-level trains)."""
    from korocr.training.train_inverse_dalle import grow_quantizer_levels

    rvq = VQVAE(VQVAEConfig.from_dict({**vq.config.to_dict(), "quantizers": 2}))
    rvq.load_state_dict(grow_quantizer_levels(vq.state_dict(), rvq.state_dict()))
    keep = {k: v.clone() for k, v in rvq.state_dict().items() if not k.startswith("quantizer.layers.1.")}
    with torch.no_grad():
        for img in images:
            rvq(prepare(img))  # the second level's k-means initialisation (and EMA updates of the first, undone)
    rvq.load_state_dict({**rvq.state_dict(), **keep})
    return rvq.eval()


def test_residual_levels_reach_the_gpt2_through_the_code_stem(korean_font, tmp_path):
    """--fine-vqvae: a residual VQ-VAE whose first level is the model's own codes; its second level rides beside
    the tokens into the code stem, which starts at zero (the same reading), is causal, learns, and survives
    save/load; a VQ-VAE with other first-level codes is refused."""
    from korocr.training.train_inverse_dalle import with_fine_codes

    images, texts = _lines(korean_font)
    model = _tiny(sorted(set("".join(texts))), pos2d=True)
    _init_codebook(model, images)
    model.add_code_stem(2)  # the stem copies the codebook: after its k-means initialisation
    _memorise(model, images, texts, steps=150, init_codebook=False)
    before = model.read(images)
    codes0 = [model.codes(img) for img in images]
    rvq = _residual_from(model.vqvae, images, model.prepare)
    base = model.save(tmp_path / "base")
    model.use_residual_vqvae(rvq)
    assert model.fine_levels == 1 and model.read(images) == before  # zero-initialised: reads exactly as before
    codes = [model.codes(img) for img in images]
    assert all(c.shape == c0.shape + (2,) and np.array_equal(c[..., 0], c0) for c, c0 in zip(codes, codes0))
    assert any(len(np.unique(c[..., 1])) > 1 for c in codes)  # the second level tells cells apart

    seq = model.vocab.reading_sequence(codes[0], texts[0], 64)
    row = np.array(with_fine_codes(model, seq, codes[0]))
    assert row.shape == (64, 2) and list(row[:, 0]) == seq
    is_code = (row[:, 0] >= 4) & (row[:, 0] < model.vocab.char_offset)
    assert (row[is_code, 1] >= 0).all() and (row[~is_code, 1] == -1).all()
    assert sorted(row[is_code, 1]) == sorted(codes[0][..., 1].reshape(-1))
    assert (np.array(with_fine_codes(model, seq, None))[:, 1] == -1).all()  # drawing sequences: no levels

    batch = torch.tensor([with_fine_codes(model, model.vocab.reading_sequence(c, t, 64), c)
                          for c, t in zip(codes, texts)])
    ids, fine = batch[..., 0], batch[..., 1:]
    torch.nn.init.normal_(model.code_stem.fine_inp.weight, std=0.5)
    a = model.embed(ids[:1], fine[:1])
    assert not torch.allclose(a, model.embed(ids[:1]))  # the levels change the image embeddings
    k = int(np.nonzero(is_code)[0][len(np.nonzero(is_code)[0]) // 2])
    moved = fine[:1].clone()
    moved[0, k, 0] = (moved[0, k, 0] + 1) % 32
    b = model.embed(ids[:1], moved)
    torch.testing.assert_close(a[0, :k], b[0, :k])  # causal in raster order
    assert not torch.allclose(a[0, k:], b[0, k:])
    torch.nn.init.zeros_(model.code_stem.fine_inp.weight)
    opt = torch.optim.AdamW(model.trainable_parameters(), lr=3e-3)
    for _ in range(5):
        loss, _ = lm_loss(model, batch, 0.1)  # an (N, L, 2) batch
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert model.code_stem.fine_inp.weight.abs().sum() > 0  # the fine path learns
    loaded = InverseDalle.load(model.save(tmp_path / "m"))
    assert loaded.fine_levels == 1
    from PIL import Image

    from korocr.cli import main

    (tmp_path / "data").mkdir()
    Image.fromarray(images[0]).save(tmp_path / "data" / "a.png")
    (tmp_path / "data" / "labels.tsv").write_text(f"a.png\t{texts[0]}\n", encoding="utf-8")
    with pytest.raises(SystemExit) as e:  # tokenize keeps the further levels too (fine_codes.npy)
        main(["dataset", "tokenize", str(tmp_path / "m"), str(tmp_path / "data"), "-o", str(tmp_path / "tok"),
              "--max-length", "64"])
    assert e.value.code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "tok" / "fine_codes.npy")[0], row[:, 1:])
    np.testing.assert_array_equal(np.load(tmp_path / "tok" / "tokens.npy")[0], row[:, 0])
    assert [t for t, _ in loaded.read(images)] == [t for t, _ in model.read(images)]
    torch.testing.assert_close(loaded.code_stem.fine_inp.weight, model.code_stem.fine_inp.weight, atol=1e-2,
                               rtol=1e-2)
    img, _ = loaded.draw("가나", seed=0, size=(16, 32))  # drawing samples first-level codes alone
    assert img.shape == (16, 32)

    other = _tiny(list("가"), pos2d=True, code_stem=2)
    _init_codebook(other, images[1:])
    with pytest.raises(ValueError, match="first codebook differ"):
        other.use_residual_vqvae(rvq)  # grown from another VQ-VAE than other's
    with pytest.raises(ValueError, match="no code stem"):
        _tiny(list("가"), pos2d=True).use_residual_vqvae(rvq)

    from korocr.cli import build_parser  # the same through korocr train --fine-vqvae
    from korocr.training.train import run

    torch.save({"config": rvq.config.to_dict(), "state_dict": rvq.state_dict()}, tmp_path / "rvq.pt")
    words = tmp_path / "w.txt"
    words.write_text("가나\n다라\n", encoding="utf-8")
    common = ["train", "--arch", "inverse-dalle", "--words", str(words), "--fonts", korean_font.spec.key,
              "--max-chars", "2", "--max-steps", "1", "--batch-size", "2", "--workers", "0", "--runs-dir",
              str(tmp_path / "runs"), "--seed", "1", "--val-size", "2", "--fine-vqvae", str(tmp_path / "rvq.pt")]
    out = run(build_parser().parse_args(common + ["--init-from", str(base)]))
    trained = InverseDalle.load(out / "model")
    assert trained.fine_levels == 1 and trained.code_stem.fine_inp is not None
    with pytest.raises(Exception, match="first codebook differ"):
        run(build_parser().parse_args(common + ["--init-from", str(other.save(tmp_path / "other"))]))
    with pytest.raises(Exception, match="goes with --init-from"):
        run(build_parser().parse_args(common + ["--vqvae", str(tmp_path / "rvq.pt")]))
