#!/usr/bin/env python
"""Plot validation metrics of one model's successive training runs against cumulative training time.

Each ``metrics.jsonl`` (written by ``korocr train`` in its run directory; copies in ``training_state/curves/``)
is one run that continued the one before it (``--init-from`` its export); their ``elapsed_s`` are laid end to end,
so the x axis is the wall time (h) the model has trained in all, and a dotted line marks where each run began.

    python scripts/plot_curves.py training_state/curves/inverse-dalle-s22-b32val.metrics.jsonl \\
        training_state/curves/inverse-dalle-s23-b32val.metrics.jsonl ... \\
        --metrics val/cer val/text_ce --out docs/images/inverse_dalle_curve.png

Rows without a metric are skipped; a run with none of the metrics still adds its time.

Raises (exits with a message): a file that is missing or has no JSON rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def load_runs(paths: list[Path]) -> list[list[dict]]:
    runs = []
    for p in paths:
        if not p.is_file():
            sys.exit(f"plot_curves: {p}: no such file")
        rows = []
        for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"plot_curves: {p}:{k}: not a JSON row ({e})")
        if not rows:
            sys.exit(f"plot_curves: {p}: no rows")
        runs.append(rows)
    return runs


def series(runs: list[list[dict]], metric: str) -> tuple[list[float], list[float], list[float]]:
    """(hours, values, run start hours): each run's ``elapsed_s`` offset by the runs before it."""
    xs, ys, starts, offset = [], [], [], 0.0
    for rows in runs:
        starts.append(offset / 3600)
        for r in rows:
            if metric in r:
                xs.append((offset + r["elapsed_s"]) / 3600)
                ys.append(r[metric])
        offset += max(r.get("elapsed_s", 0.0) for r in rows)
    return xs, ys, starts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path, help="metrics.jsonl files, oldest run first")
    ap.add_argument("--metrics", nargs="+", default=["val/cer", "val/text_ce"])
    ap.add_argument("--title", default="")
    ap.add_argument("--out", type=Path, required=True, help="PNG to write")
    args = ap.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = load_runs(args.files)
    fig, axes = plt.subplots(len(args.metrics), 1, figsize=(7, 2.6 * len(args.metrics)), sharex=True, squeeze=False)
    for ax, metric in zip(axes[:, 0], args.metrics):
        xs, ys, starts = series(runs, metric)
        ax.plot(xs, ys, marker=".", lw=1)
        for s in starts[1:]:
            ax.axvline(s, color="grey", ls=":", lw=0.8)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        if ys:
            print(f"{metric}: {len(ys)} points, first {ys[0]:.3f} at {xs[0]:.2f} h, last {ys[-1]:.3f} at "
                  f"{xs[-1]:.2f} h")
    axes[-1, 0].set_xlabel("training time, all runs end to end (h)")
    if args.title:
        axes[0, 0].set_title(args.title)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
