"""Text detection: where the lines are (korocr 0.1: a classical line finder)."""
