"""Text-line recognition models."""
