"""Data streams in multi-process (DDP) training: each rank draws its own samples."""

from __future__ import annotations


def data_rank() -> int:
    """This process's global rank in a distributed run (0 otherwise)."""
    import torch.distributed as dist

    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def for_this_rank(ds, owner=None):
    """Offset the ``seed`` of an endless training stream (``owner``, default ``ds`` itself) by the process's
    rank, once, so that the ranks of a DDP run do not all render the same synthetic samples. Returns ``ds``."""
    owner = owner if owner is not None else ds
    rank = data_rank()
    if rank and not getattr(owner, "_rank_offset", False):
        owner.seed += 100_003 * rank
        owner._rank_offset = True
    return ds
