"""CRNN family (deep-text-recognition-benchmark stages)."""

from .model import CRNN, CRNNConfig

__all__ = ["CRNN", "CRNNConfig"]
