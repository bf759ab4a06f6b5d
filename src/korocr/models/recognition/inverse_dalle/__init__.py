"""Inverse DALL-E: VQ-VAE visual tokens + a character-level GPT-2 that reads and draws text lines."""

from .model import GPTConfig, InverseDalle, lm_loss
from .tokens import Vocabulary, grid_at_scale, grid_for
from .vqvae import VQVAE, VQVAEConfig

__all__ = ["GPTConfig", "InverseDalle", "VQVAE", "VQVAEConfig", "Vocabulary", "grid_at_scale", "grid_for", "lm_loss"]
