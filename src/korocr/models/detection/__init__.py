"""Text-detection models (torch)."""
