"""Model architectures (torch): recognition/ and, later, detection/."""
