"""Evaluation: metrics and the eval command."""
