"""Recognition at inference time (onnxruntime, no torch)."""
