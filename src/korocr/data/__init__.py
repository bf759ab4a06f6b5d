"""Training data: on-the-fly synthesis and datasets (torch). Kept apart from the models."""
