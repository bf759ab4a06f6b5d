"""Layout analysis: reading order and blocks."""
