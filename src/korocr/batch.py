"""Batch OCR over many files: worker processes on one machine, or Ray Data on a cluster.

Work items come from :func:`korocr.io.inputs.list_pages` (one per image, PDF page and TIFF frame; nothing is
decoded up front). Each worker (a process, or a Ray actor) holds one :class:`~korocr.reader.Reader` and reads its
items one by one; an item that cannot be read becomes an error row and the batch goes on. Every item ends up
exactly once in the output, as a result or as an error.

* :func:`run_local`: ``workers`` processes; results are appended to a JSON-lines file in input order as they
  come, so an interrupted run can ``resume``.
* :func:`run_ray`: Ray Data (``ray.data.from_items`` → ``map_batches`` with an actor pool of :class:`ReadBatch`,
  one Reader per actor → ``write_json`` / ``write_parquet`` into a directory). The input files must be
  readable at the same paths on every node (a shared file system).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np


@dataclass
class BatchReport:
    """What a batch did: ``items == done + failed + skipped``."""

    items: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0  # already in the output (resume)
    errors: list[str] = field(default_factory=list)


class ReadBatch:
    """Reads a batch of work items with one :class:`~korocr.reader.Reader` (a Ray Data callable class, also
    used by the local worker processes).

    Args:
        dpi: resolution PDF pages are rendered at.
        reader_kwargs: arguments of :class:`~korocr.reader.Reader` (``rec_model``, ``det_model``, ``rotate``,
            ``min_confidence``, ...); ``threads`` defaults to 1 (parallelism comes from the workers).
    """

    def __init__(self, dpi: float = 150, **reader_kwargs):
        from .reader import Reader

        reader_kwargs.setdefault("threads", 1)
        self.dpi = dpi
        self.reader = Reader(reader_kwargs.pop("rec_model", None), **reader_kwargs)

    def read_one(self, item: dict) -> dict:
        """``{"image", "text", "confidence", "result", "error"}``: ``result`` is the JSON object of
        ``korocr read --format jsonl`` (a string), ``error`` the reason the item could not be read ("" if read)."""
        from .formatters import format_jsonl
        from .io.image import ImageLoadError
        from .io.inputs import load_page

        try:
            page = self.reader.read(load_page(item, self.dpi), name=item["name"])
        except ImageLoadError as e:
            return {"image": item["name"], "text": "", "confidence": 0.0, "result": "", "error": str(e)}
        return {"image": item["name"], "text": page.text, "confidence": float(page.confidence),
                "result": format_jsonl(page), "error": ""}

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        items = [{"path": str(p), "page": int(k), "name": str(n)}
                 for p, k, n in zip(batch["path"], batch["page"], batch["name"])]
        rows = [self.read_one(it) for it in items]
        return {k: np.array([r[k] for r in rows], dtype=object if k != "confidence" else np.float64)
                for k in ("image", "text", "confidence", "result", "error")}


_worker: ReadBatch | None = None


def _init_worker(kwargs: dict) -> None:
    global _worker
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _worker = ReadBatch(**kwargs)


def _read_in_worker(item: dict) -> dict:
    assert _worker is not None
    return _worker.read_one(item)


def done_names(path: Path) -> set[str]:
    """Image names already in a JSON-lines output (a torn last line from an interrupted run is ignored)."""
    done: set[str] = set()
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                done.add(json.loads(line)["image"])
            except (ValueError, KeyError, TypeError):
                continue
    return done


def run_local(items: Sequence[dict], output: str | Path, workers: int = 1, resume: bool = False,
              progress: bool = False, on_error: Callable[[str], None] | None = None, **read_kwargs
              ) -> BatchReport:
    """Read ``items`` with ``workers`` processes (1: in this process), appending one JSON line per read image
    to ``output`` in input order as results arrive. Items that cannot be read are reported through
    ``on_error`` and counted, not written. With ``resume``, items whose name is already in ``output`` are
    skipped.

    Args:
        read_kwargs: :class:`ReadBatch` arguments (``dpi`` and the Reader's).
    """
    out = Path(output)
    report = BatchReport(items=len(items))
    todo = list(items)
    if resume:
        done = done_names(out)
        todo = [it for it in items if it["name"] not in done]
        report.skipped = len(items) - len(todo)
    mode = "a" if resume else "w"
    with open(out, mode, encoding="utf-8") as sink:
        if resume and sink.tell() > 0:
            with open(out, "rb") as fh:
                fh.seek(-1, 2)
                if fh.read(1) != b"\n":  # a torn last line: start on a new one
                    sink.write("\n")
        results: Iterable[dict]
        pool = None
        if workers <= 1:
            _init_worker(read_kwargs)
            results = map(_read_in_worker, todo)
        else:
            import multiprocessing as mp

            pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                       initializer=_init_worker, initargs=(read_kwargs,))
            results = pool.map(_read_in_worker, todo, chunksize=1)
        if progress:
            from tqdm import tqdm

            results = tqdm(results, total=len(todo), unit="image")
        try:
            for row in results:
                if row["error"]:
                    report.failed += 1
                    report.errors.append(row["error"])
                    if on_error:
                        on_error(row["error"])
                    continue
                sink.write(row["result"] + "\n")
                sink.flush()
                report.done += 1
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
    return report


def run_ray(items: Sequence[dict], output_dir: str | Path, address: str | None = None, actors: int = 2,
            batch_size: int = 4, fmt: str = "jsonl", num_cpus: float = 1.0, **read_kwargs) -> BatchReport:
    """Read ``items`` on Ray Data: an actor pool of ``actors`` :class:`ReadBatch` workers (``num_cpus`` each),
    ``batch_size`` items per call, written to ``output_dir`` as JSON lines (``fmt="jsonl"``; columns ``image``,
    ``text``, ``confidence``, ``result``, ``error``) or Parquet (``fmt="parquet"``), one file per block.

    Args:
        address: a running cluster (``ray://host:10001`` or ``auto``); default: a local Ray instance for this
            job. Without a cluster, ``actors`` are local processes.

    Raises:
        korocr.errors.MissingDependencyError: Ray is not installed (``pip install "korocr[ray]"``).
        ValueError: an unknown ``fmt``.
    """
    from .errors import require

    if fmt not in ("jsonl", "parquet"):
        raise ValueError(f"fmt must be 'jsonl' or 'parquet', got {fmt!r}")
    ray = require("ray", "ray", "korocr batch --ray")
    from ray.data import ActorPoolStrategy

    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"OMP_WAIT_POLICY": "PASSIVE"}})
    try:
        report = BatchReport(items=len(items))
        if not items:
            return report
        ds = ray.data.from_items(list(items))
        ds = ds.map_batches(ReadBatch, fn_constructor_kwargs=read_kwargs, batch_size=batch_size,
                            compute=ActorPoolStrategy(size=actors), num_cpus=num_cpus, batch_format="numpy")
        ds = ds.materialize()
        report.errors = [r["error"] for r in ds.select_columns(["error"]).take_all() if r["error"]]
        report.failed = len(report.errors)
        report.done = ds.count() - report.failed
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        if fmt == "jsonl":
            ds.write_json(str(output_dir))
        else:
            ds.write_parquet(str(output_dir))
        return report
    finally:
        if started:
            ray.shutdown()


def read_outputs(output_dir: str | Path) -> Iterator[dict]:
    """The rows a :func:`run_ray` job wrote (JSON lines or Parquet files in ``output_dir``)."""
    d = Path(output_dir)
    for f in sorted(d.glob("*.json*")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)
    for f in sorted(d.glob("*.parquet")):
        import pyarrow.parquet as pq

        yield from pq.read_table(f).to_pylist()
