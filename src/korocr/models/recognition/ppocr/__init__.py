"""PP-OCR recognisers (PaddleOCR, Apache-2.0) converted from the ONNX files of PyPI wheels, with a Korean CTC
head: a pretrained CJK backbone fine-tuned for Korean."""

from .model import PPOCRConfig, PPOCRRecognizer

__all__ = ["PPOCRConfig", "PPOCRRecognizer"]
