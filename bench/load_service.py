#!/usr/bin/env python
"""Load test of ``korocr serve`` on this machine: requests/s, p50/p95 latency, status counts and the server's peak
RSS at 1, 4 and 16 concurrent clients, for a page image and a line image.

The server runs in a subprocess (``korocr serve --workers W --queue Q``); an asyncio httpx client sends the same
upload for ``--seconds`` per level. Requests the server refuses when saturated (503) are counted, not retried.

    python bench/load_service.py --seconds 20 --workers 2 --queue 4
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import korocr

SAMPLE = Path(korocr.__file__).parent / "samples" / "sample_ko.png"


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def _level(url: str, data: bytes, name: str, clients: int, seconds: float, line: bool, pid: int) -> dict:
    import httpx

    lat: list[float] = []
    status: dict[int, int] = {}
    peak = [0]
    stop = time.perf_counter() + seconds

    async def client(c: httpx.AsyncClient):
        while time.perf_counter() < stop:
            t = time.perf_counter()
            r = await c.post(url, files={"file": (name, data)}, data={"line": "true" if line else "false"})
            status[r.status_code] = status.get(r.status_code, 0) + 1
            if r.status_code == 200:
                lat.append(time.perf_counter() - t)
            peak[0] = max(peak[0], _rss_kb(pid))

    async with httpx.AsyncClient(timeout=120) as c:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(c) for _ in range(clients)))
        dt = time.perf_counter() - t0
    lat.sort()
    q = (lambda p: round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None)
    return {"clients": clients, "ok_per_s": round(len(lat) / dt, 2), "p50_ms": q(0.5), "p95_ms": q(0.95),
            "status": status, "peak_rss_mb": round(peak[0] / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--queue", type=int, default=4)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--rec-model", default="default")
    args = ap.parse_args()
    import numpy as np
    from PIL import Image

    page = SAMPLE.read_bytes()
    line_img = Image.fromarray(np.asarray(Image.open(SAMPLE).convert("RGB"))[30:75, :400])
    import io

    buf = io.BytesIO()
    line_img.save(buf, "PNG")
    server = subprocess.Popen([sys.executable, "-m", "korocr", "serve", "--port", str(args.port), "--workers",
                               str(args.workers), "--queue", str(args.queue), "--rec-model", args.rec_model],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    import httpx

    url = f"http://127.0.0.1:{args.port}"
    for _ in range(200):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    rows = []
    try:
        for kind, data, line in (("page", page, False), ("line", buf.getvalue(), True)):
            for clients in (1, 4, 16):
                r = asyncio.run(_level(url + "/v1/read", data, f"{kind}.png", clients, args.seconds, line, server.pid))
                r["kind"] = kind
                rows.append(r)
                print(r, flush=True)
    finally:
        server.terminate()
        server.wait(10)
    print("\n| input | clients | requests/s (200) | p50 ms | p95 ms | statuses | server peak RSS MB |\n"
          "|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['kind']} | {r['clients']} | {r['ok_per_s']} | {r['p50_ms']} | {r['p95_ms']} | "
              f"{r['status']} | {r['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
