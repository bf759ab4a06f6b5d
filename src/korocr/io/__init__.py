"""Input/output: image loading and result objects."""
