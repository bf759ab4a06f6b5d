"""korocr's exceptions: every error a user can cause is a :class:`KorocrError`, caught once at the command-line
edge (``korocr.cli.main``) and printed as ``korocr: message`` with exit status 2 — never a traceback."""

from __future__ import annotations


class KorocrError(Exception):
    """Base class of the errors korocr reports to users (a bad file, model, dataset or a missing extra)."""


class ModelLoadError(KorocrError):
    """A model file or directory is missing or is not the kind of model asked for."""


class MissingModelError(ModelLoadError, FileNotFoundError):
    """A model path that does not exist."""


class MissingDependencyError(KorocrError, ModuleNotFoundError):
    """An optional dependency is not installed; the message says which extra to install."""

    @classmethod
    def for_module(cls, module: str, extra: str, what: str) -> "MissingDependencyError":
        torch = "torch==2.13.0 " if extra == "train" else ""  # the CPU wheel first, not a CUDA build
        return cls(f"{what} needs {module!r}, which is not installed: pip install {torch}'korocr[{extra}]'")


def require(module: str, extra: str, what: str):
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra that provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.split(".")[0] != e.name.split(".")[0]:
            raise
        raise MissingDependencyError.for_module(module, extra, what) from e
