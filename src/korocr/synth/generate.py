"""Generate a synthetic line dataset on disk (``korocr synth``), with several processes.

Output folder: ``images/{index}.jpg`` plus ``labels.txt`` with ``{index}.jpg {text}`` rows (TRDG ``-na 2``
style; the text may contain spaces) and, with ``--format lmdb`` or ``both``, an LMDB in
deep-text-recognition-benchmark's layout under ``lmdb/``.
"""

from __future__ import annotations

import io
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from PIL import Image

from .fonts import Font
from .render import LineRenderer, RenderConfig
from .text import TextSampler


@dataclass
class SynthJob:
    fonts: list[Font]
    sampler: TextSampler
    config: RenderConfig
    seed: int
    start: int
    count: int
    words: int = 0  # words per line (0 = sampler decides)
    quality: int = 90
    height: int | None = None  # resize lines to this height (px) if set


@dataclass
class SynthResult:
    samples: list[tuple[str, bytes, str, str]] = field(default_factory=list)  # name, jpeg, text, font key


def _text(job: SynthJob, rng: random.Random) -> str:
    if job.words and job.sampler.words:
        return " ".join(rng.choice(job.sampler.words) for _ in range(job.words))
    return job.sampler.sample(rng)


def _run(job: SynthJob) -> SynthResult:
    import numpy as np

    rng = random.Random(job.seed * 1_000_003 + job.start)
    np.random.seed((job.seed * 7919 + job.start) % 2**32)
    renderer = LineRenderer(job.fonts, job.config, seed=job.seed * 7919 + job.start)
    res = SynthResult()
    i = 0
    while i < job.count:
        text = _text(job, rng)
        font = renderer.pick_font(text, rng)
        if font is None:
            continue
        img = Image.fromarray(renderer.render(text, rng, font))
        if job.height:
            img = img.resize((max(1, round(img.width * job.height / img.height)), job.height), Image.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=job.quality)
        res.samples.append((f"{job.start + i}.jpg", buf.getvalue(), text, font.spec.key))
        i += 1
    return res


def generate(out_dir: str | Path, fonts: Sequence[Font], sampler: TextSampler, count: int, seed: int = 0,
             workers: int = 1, fmt: str = "files", config: RenderConfig | None = None, words: int = 0,
             height: int | None = None, chunk: int = 500, wrap=lambda jobs, n: jobs) -> dict:
    """Render ``count`` lines into ``out_dir``; deterministic for a given seed, whatever ``workers`` is.

    ``wrap(iterable, n)`` wraps the stream of ``n`` finished chunks of ``chunk`` lines (a progress bar).

    Returns:
        ``{"count", "out_dir", "fonts": {font key: n}}``; ``labels.txt`` and (if asked) ``lmdb/`` are written.
    """
    if fmt not in ("files", "lmdb", "both"):
        raise ValueError(f"format must be files, lmdb or both, got {fmt!r}")
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    cfg = config or RenderConfig()
    jobs = [SynthJob(list(fonts), sampler, cfg, seed, s, min(chunk, count - s), words, height=height)
            for s in range(0, count, chunk)]
    font_counts: dict[str, int] = {}
    all_samples: list[tuple[str, bytes, str, str]] = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as ex:
            results = list(wrap(ex.map(_run, jobs), len(jobs)))
    else:
        results = [_run(j) for j in wrap(jobs, len(jobs))]
    for r in results:
        all_samples += r.samples
    with open(out / "labels.txt", "w", encoding="utf-8") as lab:
        for name, data, text, fk in all_samples:
            if fmt in ("files", "both"):
                (out / "images" / name).write_bytes(data)
            lab.write(f"{name} {text}\n")
            font_counts[fk] = font_counts.get(fk, 0) + 1
    if fmt in ("lmdb", "both"):
        from ..io.lmdb import write_lmdb

        rep = write_lmdb(out / "lmdb", ((n, d, t) for n, d, t, _ in all_samples))
        if rep.rejected:
            raise RuntimeError(f"LMDB write rejected rendered samples: {rep.rejected[:3]}")
    if fmt == "lmdb":
        (out / "images").rmdir()
    return {"count": len(all_samples), "out_dir": str(out), "fonts": font_counts}


def generate_pages(out_dir: str | Path, fonts: Sequence[Font], sampler: TextSampler, count: int, seed: int = 0
                   ) -> dict:
    """Render ``count`` detector pages into ``out_dir``: ``images/{i}.jpg`` and ``annotations.jsonl`` in the
    HierText layout (one annotation per line: ``image_id``, ``image_width``, ``image_height``,
    ``paragraphs[].lines[]`` with ``vertices``, ``text``, ``legible``, ``vertical``, ``handwritten``, ``words``),
    readable by :func:`korocr.io.datasets.read_hiertext` and ``korocr eval --task det``."""
    import json

    from .scene import ScenePageRenderer

    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    renderer = ScenePageRenderer(fonts, sampler)
    rng = random.Random(seed)
    n_lines = 0
    with open(out / "annotations.jsonl", "w", encoding="utf-8") as fh:
        for i in range(count):
            img, regions = renderer.render(rng)
            Image.fromarray(img).save(out / "images" / f"{i}.jpg", quality=92)
            lines = [{"vertices": [[round(float(x), 1), round(float(y), 1)] for x, y in r.quad], "text": r.text,
                      "legible": True, "vertical": r.vertical, "handwritten": False, "words": []} for r in regions]
            n_lines += len(lines)
            fh.write(json.dumps({"image_id": str(i), "image_width": img.shape[1], "image_height": img.shape[0],
                                 "paragraphs": [{"vertices": [], "legible": True, "lines": lines}]},
                                ensure_ascii=False) + "\n")
    return {"count": count, "lines": n_lines, "out_dir": str(out)}
