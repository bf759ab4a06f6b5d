"""Training behaviour on tiny models and generated data (seconds, CPU)."""

import json
import random

import numpy as np
import pytest
import torch

from korocr.data.synthetic import LineBatch, SyntheticLines
from korocr.models.checkpoints import load_weights
from korocr.preprocessing.line import pad_batch, resize_line
from korocr.synth.text import TextSampler
from korocr.text import Charset
from korocr.training.lit_recognizer import RecognizerLitModule

from conftest import render_text


@pytest.mark.parametrize("prediction", ["CTC", "Attn"])
def test_tiny_model_learns_to_read(korean_font, prediction):
    """A tiny CRNN overfits 4 rendered words: the loss falls and greedy decoding reads them back."""
    torch.manual_seed(0)
    words = ["가나", "다라", "나가다", "라"]
    charset = Charset(list("가나다라"))
    offset = 1 if prediction == "CTC" else 2
    cfg = dict(num_classes=len(charset) + offset, output_channel=64, hidden_size=48, prediction=prediction,
               max_length=4)
    lit = RecognizerLitModule(cfg, charset.chars, lr=3e-3)
    images = torch.from_numpy(pad_batch([resize_line(render_text(korean_font, w), 32) for w in words]))
    batch = LineBatch(images, words)
    opt = torch.optim.Adam(lit.model.parameters(), lr=3e-3)
    lit.optimizers = lambda: opt  # training_step logs the lr of the optimizer
    lit.log = lambda *a, **k: None
    losses = []
    for _ in range(150):
        lit.model.train()
        loss = lit.training_step(batch, 0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    lit.model.eval()
    with torch.no_grad():
        assert lit.decode(images) == words
    assert losses[-1] < 0.1 * losses[0]


def test_synthetic_stream_batches(korean_font):
    sampler = TextSampler(words=["가나", "다라마", "바사"], max_chars=6)
    ds = SyntheticLines([korean_font], sampler, batch_size=4, seed=3, pool=2)
    it = iter(ds)
    b1, b2 = next(it), next(it)
    assert b1.images.shape[:3] == (4, 1, 32) and b1.images.shape[3] % 8 == 0
    assert len(b1.texts) == 4 and all(t for t in b1.texts)
    assert float(b1.images.min()) >= -1.0 and float(b1.images.max()) <= 1.0
    b1_again = next(iter(SyntheticLines([korean_font], sampler, batch_size=4, seed=3, pool=2)))
    assert b1_again.texts == b1.texts  # deterministic for a seed


def test_synthetic_stream_can_train_on_normalised_margins(korean_font):
    """With ``normalize_prob=1`` each rendered crop gets the inference-time margin normalisation before resizing:
    a crop tight to the ink comes out as the recogniser would read it, padded at the sides."""
    from korocr.preprocessing.line import normalize_margins
    from korocr.synth.render import LineRenderer

    tight = render_text(korean_font, "가나다")
    ys, xs = np.nonzero(tight.min(2) < 128)
    tight = np.ascontiguousarray(tight[ys.min():ys.max() + 1, xs.min():xs.max() + 1])
    renderer = LineRenderer([korean_font], seed=0)
    renderer.render = lambda text, rng, font: tight
    sampler = TextSampler(words=["가나다"], max_chars=6)
    rng = random.Random(0)
    plain = SyntheticLines([korean_font], sampler, batch_size=2, seed=0)._sample(renderer, rng)[0]
    normed = SyntheticLines([korean_font], sampler, batch_size=2, seed=0, normalize_prob=1.0)._sample(renderer, rng)[0]
    want = resize_line(normalize_margins(tight)[0], 32)
    assert normed.shape == want.shape and np.allclose(normed, want)
    assert plain[:, 0].min() < 0.5 and normed[:, :3].min() > 0.9  # the tight crop's ink touched its edge; now a margin
    with pytest.raises(ValueError, match="normalize_prob"):
        SyntheticLines([korean_font], sampler, normalize_prob=1.5)
    # a fixed range (LOW = HIGH): the stream's crops get exactly that margin, as the recogniser will give them
    fixed = SyntheticLines([korean_font], sampler, batch_size=2, seed=0, normalize_prob=1.0, margins=(0.4, 0.4))
    one = fixed._sample(renderer, rng)[0]
    want = resize_line(normalize_margins(tight, top_bottom=(0.4, 0.4))[0], 32)
    assert one.shape == want.shape and np.allclose(one, want) and one.shape[1] < normed.shape[1]  # smaller text
    with pytest.raises(ValueError, match="margins"):
        SyntheticLines([korean_font], sampler, margins=(0.4, 0.1))


def _train_args(tmp_path, *extra):
    from korocr.cli import build_parser

    cs = tmp_path / "charset.txt"
    cs.write_text("\n".join("가나다라마바사아"), encoding="utf-8")
    words = tmp_path / "words.txt"
    words.write_text("가나\n다라\n마바사\n아\n", encoding="utf-8")
    return build_parser().parse_args([
        "train", "--charset", str(cs), "--words", str(words), "--max-steps", "4", "--val-every", "2",
        "--val-size", "8", "--batch-size", "4", "--workers", "0", "--output-channel", "32", "--hidden-size",
        "16", "--runs-dir", str(tmp_path / "runs"), "--name", "t", "--seed", "1", "--max-chars", "4", *extra])


def test_train_cli_run_dirs_resume_and_finetune(tmp_path, korean_font):
    from korocr.training.train import run

    font_args = ["--fonts", korean_font.spec.key]
    d1 = run(_train_args(tmp_path, *font_args, "--export"))
    d2 = run(_train_args(tmp_path, *font_args))
    assert d1 != d2 and d1.exists() and d2.exists()  # a new run directory each time, nothing overwritten
    assert (d1 / "weights.pt").is_file() and (d1 / "model.onnx").is_file()
    rows = [json.loads(x) for x in (d1 / "metrics.jsonl").read_text().splitlines()]
    assert any("val/cer" in r for r in rows)

    # resume the exact training state: the step counter continues past the checkpoint
    last = d1 / "checkpoints" / "last.ckpt"
    assert last.is_file()
    args = _train_args(tmp_path, *font_args, "--resume", str(last))
    args.max_steps = 6
    d3 = run(args)
    _, _, meta = load_weights(d3 / "weights.pt")
    assert meta["global_step"] == 6

    # fine-tune with a charset that adds characters: old rows are kept, new ones appended
    old_model, old_cs, _ = load_weights(d1 / "weights.pt")
    bigger = tmp_path / "bigger.txt"
    bigger.write_text("\n".join("가나다라마바사아자차"), encoding="utf-8")
    args = _train_args(tmp_path, *font_args, "--init-from", str(d1 / "weights.pt"))
    args.charset = str(bigger)
    args.max_steps = 0 + 1
    args.lr = 1e-12  # (almost) no update: compare the kept rows
    d4 = run(args)
    new_model, new_cs, _ = load_weights(d4 / "weights.pt")
    assert new_cs.chars[: len(old_cs)] == old_cs.chars and new_cs.chars[-2:] == ["자", "차"]
    assert new_model.prediction.weight.shape[0] == old_model.prediction.weight.shape[0] + 2
    assert torch.allclose(new_model.prediction.weight[: len(old_cs) + 1],
                          old_model.prediction.weight, atol=1e-2)


def test_train_from_lmdb_grows_charset(tmp_path, korean_font):
    """`korocr train --data LMDB`: batches come from the LMDB and its new characters join the charset."""
    from korocr.io.lmdb import write_lmdb
    from korocr.training.train import run

    from PIL import Image
    import io

    samples = []
    for i, word in enumerate(["가나", "다라", "똠방", "가나다"] * 3):
        buf = io.BytesIO()
        Image.fromarray(render_text(korean_font, word)).save(buf, "PNG")
        samples.append((str(i), buf.getvalue(), word))
    rep = write_lmdb(tmp_path / "train_lmdb", samples)
    assert rep.written == 12
    args = _train_args(tmp_path, "--data", str(tmp_path / "train_lmdb"))
    d = run(args)
    _, cs, meta = load_weights(d / "weights.pt")
    assert "똠" in cs and "방" in cs and meta["global_step"] == 4


def test_ddp_on_two_cpu_processes(tmp_path, korean_font):
    """--devices 2: two processes train data-parallel (Lightning DDP over gloo); rank 0 alone writes one run
    directory with weights and metrics; both ranks' steps count once."""
    import subprocess
    import sys

    cs = tmp_path / "charset.txt"
    cs.write_text("\n".join("가나다라마바사아"), encoding="utf-8")
    words = tmp_path / "words.txt"
    words.write_text("가나\n다라\n마바사\n아\n", encoding="utf-8")
    runs = tmp_path / "runs"
    cmd = [sys.executable, "-m", "korocr", "train", "--charset", str(cs), "--words", str(words), "--max-steps", "3",
           "--val-every", "2", "--val-size", "4", "--batch-size", "4", "--workers", "0", "--output-channel", "16",
           "--hidden-size", "8", "--runs-dir", str(runs), "--name", "ddp", "--seed", "1", "--max-chars", "4",
           "--fonts", korean_font.spec.key, "--devices", "2", "--threads", "1"]
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("KOROCR_RUN_DIR", "LOCAL_RANK")}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    dirs = list(runs.iterdir())
    assert len(dirs) == 1, dirs  # one run directory for both ranks
    assert "distributed_backend=gloo" in r.stderr + r.stdout
    _, _, meta = load_weights(dirs[0] / "weights.pt")
    assert meta["global_step"] == 3
    rows = [json.loads(x) for x in (dirs[0] / "metrics.jsonl").read_text().splitlines()]
    assert sum("val/cer" in x for x in rows) == 1  # rank 0 alone writes


def test_respace_prob_reaches_training_texts_but_not_validation(tmp_path, korean_font):
    from korocr.cli.common import resolve_charset
    from korocr.data.lines import SyntheticLineDataModule as SyntheticLineData

    base = _train_args(tmp_path, "--fonts", korean_font.spec.key)
    spaced = _train_args(tmp_path, "--fonts", korean_font.spec.key, "--respace-prob", "0.5")
    cs = resolve_charset(base.charset)
    a, b = SyntheticLineData(base, cs, seed=1), SyntheticLineData(spaced, cs, seed=1)
    assert a.train_ds.sampler.respace_prob == 0.0 and b.train_ds.sampler.respace_prob == 0.5
    # the validation lines are the same with and without respacing, so validation CER compares across runs
    assert [v.texts for v in a.val_batches] == [v.texts for v in b.val_batches]


def test_stop_file_ends_a_run_after_the_step_in_progress(tmp_path):
    """`touch RUN_DIR/STOP` ends a run as its step limit would, and the file is removed for a resumed run."""
    import argparse

    import lightning as L

    from korocr.training.trainer import make_trainer

    class Tiny(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 1)

        def training_step(self, batch, batch_idx):
            if self.global_step == 2:  # the file appears while the third step runs
                (tmp_path / "STOP").touch()
            return self.lin(batch).pow(2).mean()

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.01)

    args = argparse.Namespace(max_steps=50, max_minutes=None, val_every=10)
    trainer = make_trainer(args, tmp_path, validate=False)
    trainer.fit(Tiny(), torch.utils.data.DataLoader(torch.randn(400, 4), batch_size=4))
    assert trainer.global_step == 3
    assert not (tmp_path / "STOP").exists()
