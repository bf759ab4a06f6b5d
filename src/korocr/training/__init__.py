"""Training (Lightning): recogniser module and the korocr train entry point."""
