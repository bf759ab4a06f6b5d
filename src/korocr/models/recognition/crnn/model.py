"""The CRNN family as one configurable ``nn.Module`` (Transformation → FeatureExtraction → SequenceModeling
→ Prediction), following deep-text-recognition-benchmark (Baek et al., ICCV 2019)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F

from .modules import (
    AttentionDecoder,
    BidirectionalLSTM,
    LightFeatureExtractor,
    ResNetFeatureExtractor,
    TPSSpatialTransformer,
    VGGFeatureExtractor,
)

TRANSFORMATIONS = ("None", "TPS")
FEATURE_EXTRACTORS = ("Light", "VGG", "ResNet")
SEQUENCE_MODELS = ("None", "BiLSTM")
PREDICTIONS = ("CTC", "Attn")


@dataclass
class CRNNConfig:
    """Architecture of a CRNN-family recogniser.

    Attributes:
        num_classes: output classes; for CTC: characters + 1 (blank = 0); for Attn: characters + 2 ([GO], [s]).
        img_height: input height in px (32).
        img_width: TPS output width in px (only used with ``transformation="TPS"``; other stages take any width).
        in_channels: 1 (grayscale).
        output_channel: channels of the visual feature.
        hidden_size: BiLSTM / attention hidden size.
        num_fiducial: TPS control points.
        max_length: attention decoding steps (characters).
    """

    num_classes: int
    transformation: str = "None"
    feature_extraction: str = "Light"
    sequence_modeling: str = "BiLSTM"
    prediction: str = "CTC"
    img_height: int = 32
    img_width: int = 256
    in_channels: int = 1
    output_channel: int = 256
    hidden_size: int = 256
    num_fiducial: int = 20
    max_length: int = 40

    def __post_init__(self) -> None:
        for name, allowed in (("transformation", TRANSFORMATIONS), ("feature_extraction", FEATURE_EXTRACTORS),
                              ("sequence_modeling", SEQUENCE_MODELS), ("prediction", PREDICTIONS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if self.img_height != 32:
            raise ValueError("the CRNN feature extractors expect img_height=32")

    @property
    def name(self) -> str:
        return "-".join([self.transformation, self.feature_extraction, self.sequence_modeling, self.prediction])

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "CRNNConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


class CRNN(nn.Module):
    """Text-line recogniser.

    ``forward(images)`` takes (N, 1, 32, W) float images normalised to [-1, 1].  With CTC prediction it returns
    logits (N, T, num_classes) with T ≈ W / 4 time steps; with attention it needs ``text`` (N, L+1) targets
    (teacher forcing) when training and returns logits (N, max_length + 1, num_classes).
    """

    def __init__(self, config: CRNNConfig):
        super().__init__()
        self.config = c = config
        self.transformation = (TPSSpatialTransformer(c.num_fiducial, c.in_channels, (c.img_height, c.img_width))
                               if c.transformation == "TPS" else None)
        fe = {"Light": LightFeatureExtractor, "VGG": VGGFeatureExtractor, "ResNet": ResNetFeatureExtractor}
        self.feature_extraction = fe[c.feature_extraction](c.in_channels, c.output_channel)
        if c.sequence_modeling == "BiLSTM":
            self.sequence_modeling = nn.Sequential(
                BidirectionalLSTM(c.output_channel, c.hidden_size, c.hidden_size),
                BidirectionalLSTM(c.hidden_size, c.hidden_size, c.hidden_size),
            )
            seq_out = c.hidden_size
        else:
            self.sequence_modeling = None
            seq_out = c.output_channel
        if c.prediction == "CTC":
            self.prediction = nn.Linear(seq_out, c.num_classes)
        else:
            self.prediction = AttentionDecoder(seq_out, c.hidden_size, c.num_classes)

    def forward(self, images: torch.Tensor, text: torch.Tensor | None = None, is_train: bool = True) -> torch.Tensor:
        x = images
        if self.transformation is not None:
            if x.shape[-1] != self.config.img_width:
                x = F.interpolate(x, size=(self.config.img_height, self.config.img_width), mode="bilinear",
                                  align_corners=False)
            x = self.transformation(x)
        feat = self.feature_extraction(x)  # (N, C, 1, T)
        feat = feat.mean(2).permute(0, 2, 1)  # (N, T, C)
        if self.sequence_modeling is not None:
            feat = self.sequence_modeling(feat)
        if self.config.prediction == "CTC":
            return self.prediction(feat)
        return self.prediction(feat, text, is_train=is_train, batch_max_length=self.config.max_length)

    def resize_classes(self, num_classes: int, keep: int | None = None) -> None:
        """Grow (or shrink) the output layer to ``num_classes``, keeping the first ``keep`` rows' weights.

        Used to fine-tune on a charset that appends new characters to the old one: old class indices keep their
        trained rows; new rows start from the default initialisation.
        """
        keep = self.config.num_classes if keep is None else keep
        if self.config.prediction == "CTC":
            old = self.prediction
            new = nn.Linear(old.in_features, num_classes)
            n = min(keep, num_classes)
            with torch.no_grad():
                new.weight[:n] = old.weight[:n]
                new.bias[:n] = old.bias[:n]
            self.prediction = new
        else:
            old = self.prediction
            new = AttentionDecoder(old.cell.i2h.in_features, old.hidden_size, num_classes)
            n = min(keep, num_classes)
            with torch.no_grad():
                new.cell.i2h.load_state_dict(old.cell.i2h.state_dict())
                new.cell.h2h.load_state_dict(old.cell.h2h.state_dict())
                new.cell.score.load_state_dict(old.cell.score.state_dict())
                in_sz = old.cell.i2h.in_features
                # LSTMCell input = [context (in_sz), one-hot (num_classes)]
                new.cell.rnn.weight_ih[:, :in_sz] = old.cell.rnn.weight_ih[:, :in_sz]
                new.cell.rnn.weight_ih[:, in_sz:in_sz + n] = old.cell.rnn.weight_ih[:, in_sz:in_sz + n]
                new.cell.rnn.weight_hh.copy_(old.cell.rnn.weight_hh)
                new.cell.rnn.bias_ih.copy_(old.cell.rnn.bias_ih)
                new.cell.rnn.bias_hh.copy_(old.cell.rnn.bias_hh)
                new.generator.weight[:n] = old.generator.weight[:n]
                new.generator.bias[:n] = old.generator.bias[:n]
            self.prediction = new
        self.config.num_classes = num_classes
