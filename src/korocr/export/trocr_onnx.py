"""ONNX export of a VisionEncoderDecoder (TrOCR) as two graphs, and an onnxruntime greedy decoder.

* ``encoder.onnx``: ``pixel_values`` (N, 3, H, W) → ``encoder_hidden_states`` (N, S, D);
* ``decoder.onnx``: ``input_ids`` (N, L) + ``encoder_hidden_states`` → ``logits`` (N, L, V).

The decoder is exported *without* past key values: every step re-runs the decoder over the whole prefix.
That keeps one simple graph (and ``torch.onnx`` only); for korocr's short lines (≤ 64 tokens) and small
decoders the recomputation is cheap.  A with-past export (two decoder graphs, via ``optimum``) is the next
step when long outputs or big decoders make it worth it; it has not been measured yet.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def export_trocr_onnx(model, out_dir: str | Path, image_size: tuple[int, int], opset: int = 17) -> Path:
    """Write ``encoder.onnx``, ``decoder.onnx`` and ``generation.json`` (special token ids) to ``out_dir``."""
    import copy

    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Tracing a copy: tracing Swin changes state of the traced model (its PyTorch outputs then drift by ~1e-2),
    # so the caller's model must not be the one traced.
    model = copy.deepcopy(model).eval()

    class Enc(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, pixel_values):
            return self.m.encoder(pixel_values=pixel_values).last_hidden_state

    class Dec(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, encoder_hidden_states):
            hs = encoder_hidden_states
            if getattr(self.m, "enc_to_dec_proj", None) is not None:
                hs = self.m.enc_to_dec_proj(hs)
            return self.m.decoder(input_ids=input_ids, encoder_hidden_states=hs, use_cache=False).logits

    h, w = image_size
    px = torch.zeros(1, 3, h, w)
    with torch.no_grad():
        hs = Enc(model)(px)
    torch.onnx.export(Enc(model), (px,), str(out / "encoder.onnx"), input_names=["pixel_values"],
                      output_names=["encoder_hidden_states"], dynamic_axes={"pixel_values": {0: "batch"},
                                                                            "encoder_hidden_states": {0: "batch"}},
                      opset_version=opset, dynamo=False)
    ids = torch.ones(1, 3, dtype=torch.long)
    torch.onnx.export(Dec(model), (ids, hs), str(out / "decoder.onnx"),
                      input_names=["input_ids", "encoder_hidden_states"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "length"}, "encoder_hidden_states": {0: "batch"},
                                    "logits": {0: "batch", 1: "length"}}, opset_version=opset, dynamo=False)
    cfg = model.config
    (out / "generation.json").write_text(json.dumps({
        "decoder_start_token_id": cfg.decoder_start_token_id, "eos_token_id": cfg.eos_token_id,
        "pad_token_id": cfg.pad_token_id, "image_size": list(image_size)}))
    return out


class OnnxTrOCR:
    """Greedy decoding of an exported TrOCR with onnxruntime (no torch)."""

    def __init__(self, onnx_dir: str | Path):
        import onnxruntime as ort

        d = Path(onnx_dir)
        self.encoder = ort.InferenceSession(str(d / "encoder.onnx"), providers=["CPUExecutionProvider"])
        self.decoder = ort.InferenceSession(str(d / "decoder.onnx"), providers=["CPUExecutionProvider"])
        self.gen = json.loads((d / "generation.json").read_text())

    def generate(self, pixel_values: np.ndarray, max_length: int = 64) -> np.ndarray:
        """Token ids (N, ≤ max_length) starting with the decoder start token; finished rows are padded."""
        hs = self.encoder.run(None, {"pixel_values": pixel_values.astype(np.float32)})[0]
        n = hs.shape[0]
        ids = np.full((n, 1), self.gen["decoder_start_token_id"], np.int64)
        done = np.zeros(n, bool)
        for _ in range(max_length - 1):
            logits = self.decoder.run(None, {"input_ids": ids, "encoder_hidden_states": hs})[0]
            nxt = logits[:, -1].argmax(-1)
            nxt = np.where(done, self.gen["pad_token_id"], nxt)
            ids = np.concatenate([ids, nxt[:, None]], 1)
            done |= nxt == self.gen["eos_token_id"]
            if done.all():
                break
        return ids
