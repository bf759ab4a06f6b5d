"""DBNet-style text detector."""

from .model import DetectorConfig, TextDetector

__all__ = ["DetectorConfig", "TextDetector"]
