"""ONNX export of a VisionEncoderDecoder (TrOCR), and onnxruntime greedy decoders.

Without past key values (:func:`export_trocr_onnx`, two graphs):

* ``encoder.onnx``: ``pixel_values`` (N, 3, H, W) → ``encoder_hidden_states`` (N, S, D);
* ``decoder.onnx``: ``input_ids`` (N, L) + ``encoder_hidden_states`` → ``logits`` (N, L, V); every step re-runs
  the decoder over the whole prefix (:class:`OnnxTrOCR`).

With past key values (:func:`export_trocr_onnx_with_past`, three graphs): the encoder, a graph computing every
layer's cross-attention keys and values once per image, and a one-token step graph that takes and returns the
self-attention cache as tensors (:class:`OnnxTrOCRWithPast`). The step graph is written out over the TrOCR
decoder's weights (``torch.onnx`` only, no ``optimum``); docs/trocr.md has the measured speed-up.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def _encoder_graph(model):
    """The module exported as ``encoder.onnx``: ``pixel_values`` → the encoder's last hidden state."""
    import torch

    class Enc(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, pixel_values):
            return self.m.encoder(pixel_values=pixel_values).last_hidden_state

    return Enc(model)


def export_trocr_onnx(model, out_dir: str | Path, image_size: tuple[int, int], opset: int = 17) -> Path:
    """Write ``encoder.onnx``, ``decoder.onnx`` and ``generation.json`` (special token ids) to ``out_dir``."""
    import copy

    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Tracing a copy: tracing Swin changes state of the traced model (its PyTorch outputs then drift by ~1e-2),
    # so the caller's model must not be the one traced.
    model = copy.deepcopy(model).eval()

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
        hs = _encoder_graph(model)(px)
    torch.onnx.export(_encoder_graph(model), (px,), str(out / "encoder.onnx"), input_names=["pixel_values"],
                      output_names=["encoder_hidden_states"], dynamic_axes={"pixel_values": {0: "batch"},
                                                                            "encoder_hidden_states": {0: "batch"}},
                      opset_version=opset, dynamo=False)
    ids = torch.ones(1, 3, dtype=torch.long)
    torch.onnx.export(Dec(model), (ids, hs), str(out / "decoder.onnx"),
                      input_names=["input_ids", "encoder_hidden_states"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "length"},
                                    "encoder_hidden_states": {0: "batch", 1: "source"},
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


# --- with past key values ------------------------------------------------------------------------------------
class _CrossKV:
    """Factory of the module mapping encoder states (N, S, D_enc) to every decoder layer's cross-attention keys
    and values, each (layers, N, heads, S, head_dim): computed once per image instead of at every step."""

    @staticmethod
    def build(model):
        import torch

        class CrossKV(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.proj = getattr(m, "enc_to_dec_proj", None)
                self.layers = m.decoder.model.decoder.layers

            def forward(self, encoder_hidden_states):
                hs = encoder_hidden_states if self.proj is None else self.proj(encoder_hidden_states)
                n, s, _ = hs.shape
                ks, vs = [], []
                for layer in self.layers:
                    att = layer.encoder_attn
                    ks.append(att.k_proj(hs).view(n, s, att.num_heads, att.head_dim).transpose(1, 2))
                    vs.append(att.v_proj(hs).view(n, s, att.num_heads, att.head_dim).transpose(1, 2))
                return torch.stack(ks), torch.stack(vs)

        return CrossKV(model)


def _step_decoder(model):
    """One decoding step of a ``TrOCRForCausalLM`` written out over its weights, with the self-attention cache as
    plain tensors: (input_ids (N, 1), position (1,), past_k/past_v (layers, N, heads, P, head_dim), cross_k/cross_v
    (layers, N, heads, S, head_dim)) → (logits (N, V), present_k/present_v (layers, N, heads, P + 1, head_dim)).
    The arithmetic is that of ``transformers.models.trocr.modeling_trocr`` (post-norm layers, learned positions
    offset by 2, scaled queries); ``tests/test_trocr.py`` checks it against ``generate``."""
    import torch

    dec = model.decoder.model.decoder
    if not dec.config.use_learned_position_embeddings:
        raise ValueError("with-past export: only TrOCR decoders with learned position embeddings")

    class Step(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dec, self.out = dec, model.decoder.output_projection

        def forward(self, input_ids, position, past_k, past_v, cross_k, cross_v):
            d = self.dec
            h = d.embed_tokens(input_ids) + d.embed_positions.weight[position + d.embed_positions.offset][:, None]
            if d.layernorm_embedding is not None:
                h = d.layernorm_embedding(h)
            new_k, new_v = [], []
            for i, layer in enumerate(d.layers):
                att = layer.self_attn
                n = h.shape[0]
                q = (att.q_proj(h) * att.scaling).view(n, 1, att.num_heads, att.head_dim).transpose(1, 2)
                k = torch.cat([past_k[i], att.k_proj(h).view(n, 1, att.num_heads, att.head_dim).transpose(1, 2)], 2)
                v = torch.cat([past_v[i], att.v_proj(h).view(n, 1, att.num_heads, att.head_dim).transpose(1, 2)], 2)
                new_k.append(k)
                new_v.append(v)
                a = torch.softmax(q @ k.transpose(2, 3), -1) @ v  # the newest token sees all before it
                h = layer.self_attn_layer_norm(h + att.out_proj(a.transpose(1, 2).reshape(n, 1, -1)))
                ca = layer.encoder_attn
                q = (ca.q_proj(h) * ca.scaling).view(n, 1, ca.num_heads, ca.head_dim).transpose(1, 2)
                a = torch.softmax(q @ cross_k[i].transpose(2, 3), -1) @ cross_v[i]
                h = layer.encoder_attn_layer_norm(h + ca.out_proj(a.transpose(1, 2).reshape(n, 1, -1)))
                h = layer.final_layer_norm(h + layer.fc2(layer.activation_fn(layer.fc1(h))))
            return self.out(h)[:, 0], torch.stack(new_k), torch.stack(new_v)

    return Step()


def export_trocr_onnx_with_past(model, out_dir: str | Path, example: "np.ndarray | None" = None,
                                image_size: tuple[int, int] | None = None, opset: int = 17) -> Path:
    """Export a VisionEncoderDecoder with a TrOCR decoder as three graphs that decode with a key/value cache:

    * ``encoder.onnx``: ``pixel_values`` (N, 3, H, W) → ``encoder_hidden_states`` (N, S, D) (W dynamic for the
      hybrid CNN encoder, fixed for ViT/Swin);
    * ``cross_kv.onnx``: encoder states → ``cross_k``, ``cross_v`` (layers, N, heads, S, head_dim), once per image;
    * ``decoder_step.onnx``: one token per call with the self-attention cache as inputs and outputs
      (:func:`_step_decoder`), so a step costs O(1) decoder passes instead of re-running the prefix.

    Args:
        example: a (1, 3, H, W) float32 input to trace with (default: zeros of ``image_size``).

    Returns:
        ``out_dir`` (also holding ``generation.json``).
    """
    import copy

    import torch

    from ..models.recognition.trocr.cnn_encoder import MODEL_TYPE

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = copy.deepcopy(model).eval()
    cnn = model.config.encoder.model_type == MODEL_TYPE
    if example is None:
        if image_size is None:
            raise ValueError("give an example input or image_size")
        example = np.zeros((1, 3, *image_size), np.float32)
    px = torch.from_numpy(np.asarray(example, np.float32))

    axes = {0: "batch", 3: "width"} if cnn else {0: "batch"}
    with torch.no_grad():
        hs = _encoder_graph(model)(px)
        cross = _CrossKV.build(model)
        ck, cv = cross(hs)
    torch.onnx.export(_encoder_graph(model), (px,), str(out / "encoder.onnx"), input_names=["pixel_values"],
                      output_names=["encoder_hidden_states"],
                      dynamic_axes={"pixel_values": axes, "encoder_hidden_states": {0: "batch", 1: "source"}},
                      opset_version=opset, dynamo=False)
    kv_axes = {1: "batch", 3: "source"}
    torch.onnx.export(cross, (hs,), str(out / "cross_kv.onnx"), input_names=["encoder_hidden_states"],
                      output_names=["cross_k", "cross_v"],
                      dynamic_axes={"encoder_hidden_states": {0: "batch", 1: "source"}, "cross_k": kv_axes,
                                    "cross_v": kv_axes}, opset_version=opset, dynamo=False)
    step = _step_decoder(model)
    n_layers, _, heads, _, hd = ck.shape
    past = torch.zeros(n_layers, 1, heads, 1, hd)
    ids = torch.ones(1, 1, dtype=torch.long)
    pos = torch.ones(1, dtype=torch.long)
    p_axes = {1: "batch", 3: "past"}
    torch.onnx.export(step, (ids, pos, past, past, ck, cv), str(out / "decoder_step.onnx"),
                      input_names=["input_ids", "position", "past_k", "past_v", "cross_k", "cross_v"],
                      output_names=["logits", "present_k", "present_v"],
                      dynamic_axes={"input_ids": {0: "batch"}, "past_k": p_axes, "past_v": p_axes,
                                    "cross_k": kv_axes, "cross_v": kv_axes, "logits": {0: "batch"},
                                    "present_k": {1: "batch", 3: "length"}, "present_v": {1: "batch", 3: "length"}},
                      opset_version=opset, dynamo=False)
    cfg = model.config
    (out / "generation.json").write_text(json.dumps({
        "decoder_start_token_id": cfg.decoder_start_token_id, "eos_token_id": cfg.eos_token_id,
        "pad_token_id": cfg.pad_token_id, "with_past": True, "layers": int(n_layers), "heads": int(heads),
        "head_dim": int(hd), "image_size": list(px.shape[2:])}))
    return out


class OnnxTrOCRWithPast:
    """Greedy decoding of :func:`export_trocr_onnx_with_past` graphs with onnxruntime (no torch)."""

    def __init__(self, onnx_dir: str | Path, threads: int | None = None):
        import onnxruntime as ort

        d = Path(onnx_dir)
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        self.encoder, self.cross, self.step = (ort.InferenceSession(str(d / f), opts,
                                                                    providers=["CPUExecutionProvider"])
                                               for f in ("encoder.onnx", "cross_kv.onnx", "decoder_step.onnx"))
        self.gen = json.loads((d / "generation.json").read_text())

    def generate(self, pixel_values: np.ndarray, max_length: int = 64) -> np.ndarray:
        """Token ids (N, ≤ max_length) starting with the decoder start token; finished rows are padded."""
        g = self.gen
        hs = self.encoder.run(None, {"pixel_values": pixel_values.astype(np.float32)})[0]
        ck, cv = self.cross.run(None, {"encoder_hidden_states": hs})
        n = hs.shape[0]
        pk = np.zeros((g["layers"], n, g["heads"], 0, g["head_dim"]), np.float32)
        pv = pk
        ids = np.full((n, 1), g["decoder_start_token_id"], np.int64)
        done = np.zeros(n, bool)
        for t in range(max_length - 1):
            logits, pk, pv = self.step.run(None, {"input_ids": ids[:, -1:], "position": np.array([t], np.int64),
                                                  "past_k": pk, "past_v": pv, "cross_k": ck, "cross_v": cv})
            nxt = np.where(done, g["pad_token_id"], logits.argmax(-1))
            ids = np.concatenate([ids, nxt[:, None]], 1)
            done |= nxt == g["eos_token_id"]
            if done.all():
                break
        return ids
