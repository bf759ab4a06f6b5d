"""Lightning callbacks of korocr's training runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

from lightning.pytorch.callbacks import Callback


class ThroughputLogger(Callback):
    """Appends step, loss, lr and samples/s (every 50 steps) and validation metrics to a JSON-lines file
    (``metrics.jsonl`` of the run); validation rows are also printed.

    Samples/s counts the lines of the batches actually seen (batches may vary in size with ``--pixel-budget``).
    """

    def __init__(self, path: str | Path, every: int = 50):
        self.path, self.every = Path(path), every
        self.t0 = time.time()
        self.last = (time.time(), 0)
        self.samples = 0

    def _write(self, row: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        images = getattr(batch, "images", batch if hasattr(batch, "shape") else None)
        self.samples += int(images.shape[0]) if images is not None else 0
        step = trainer.global_step
        if step % self.every == 0 and trainer.is_global_zero:
            now = time.time()
            sps = self.samples / max(1e-6, now - self.last[0])
            self.last, self.samples = (now, step), 0
            m = trainer.callback_metrics
            row = {"step": step, "elapsed_s": round(now - self.t0, 1),
                   "loss": float(m.get("train/loss", float("nan"))),
                   "lr": float(m.get("lr", float("nan"))), "samples_per_s": round(sps, 1)}
            if "train/ctc" in m:  # TrOCR with the auxiliary CTC loss
                row["ctc_loss"] = float(m["train/ctc"])
            row.update({k[6:]: float(v) for k, v in m.items()
                        if k.startswith("train/") and k not in ("train/loss", "train/ctc")})
            self._write(row)

    def on_validation_end(self, trainer, pl_module):
        if not trainer.is_global_zero:
            return
        m = trainer.callback_metrics
        row = {"step": trainer.global_step, "elapsed_s": round(time.time() - self.t0, 1)}
        row.update({k: float(v) for k, v in m.items() if k.startswith("val/")})
        self._write(row)
        print(json.dumps(row), flush=True)


class StopFile(Callback):
    """Ends a run cleanly when the file ``path`` (``RUN_DIR/STOP``) appears: the step in progress finishes, then
    the run ends as at ``--max-steps`` (its weights and exports are written, ``last.ckpt`` kept for
    ``--resume``). For stopping a background run early without losing what the end of a run writes:
    ``touch runs/<run>/STOP``. The file is checked after every training step (one ``stat``) and removed when
    the run stops, so a resumed run goes on."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if not trainer.should_stop and self.path.exists():
            trainer.should_stop = True
            print(f"{self.path}: stopping after step {trainer.global_step}", flush=True)

    def on_fit_end(self, trainer, pl_module):
        if self.path.exists() and trainer.is_global_zero:
            self.path.unlink(missing_ok=True)

