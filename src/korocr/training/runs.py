"""Run directories and recipe files: every ``korocr train`` run writes to a new ``RUNS_DIR/NAME-YYYYmmdd-HHMMSS``
(never overwriting an earlier model) and records its exact arguments in ``args.json``."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

RUN_DIR_ENV = "KOROCR_RUN_DIR"


def new_run_dir(root: str | Path, name: str) -> Path:
    """Create and return ``root/name-YYYYmmdd-HHMMSS`` (``-1``, ``-2``, ... if that exists).

    The directory is also put in the environment (``KOROCR_RUN_DIR``): the other processes of a multi-process
    (DDP) run start the same command again and find it there, so all ranks share one run directory.
    """
    if os.environ.get(RUN_DIR_ENV) and os.environ.get("LOCAL_RANK", "0") != "0":
        return Path(os.environ[RUN_DIR_ENV])
    stamp = time.strftime("%Y%m%d-%H%M%S")
    d = Path(root) / f"{name}-{stamp}"
    i = 1
    while d.exists():
        d = Path(root) / f"{name}-{stamp}-{i}"
        i += 1
    d.mkdir(parents=True)
    os.environ[RUN_DIR_ENV] = str(d)
    return d


def resolve_seed(args: argparse.Namespace) -> int:
    """``--seed``, or one taken from the clock (recorded in the recipe)."""
    return args.seed if args.seed is not None else int(time.time()) % 100000


def recipe(args: argparse.Namespace, seed: int) -> dict:
    """The run's arguments as a JSON-able dict (with the seed actually used)."""
    return {k: v for k, v in vars(args).items() if not callable(v)} | {"seed": seed}


def write_recipe(run_dir: Path, rec: dict) -> None:
    (run_dir / "args.json").write_text(json.dumps(rec, indent=2, ensure_ascii=False, default=str))
