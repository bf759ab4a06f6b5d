"""The HTTP service (``korocr serve``): :func:`.app.create_app`."""
