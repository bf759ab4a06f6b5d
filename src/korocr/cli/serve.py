"""``korocr serve``: the HTTP service (``POST /v1/read``, ``GET /healthz``, ``/docs``); needs korocr[serve]."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from ..errors import require
    from ..service.app import Limits, create_app

    uvicorn = require("uvicorn", "serve", "korocr serve")
    limits = Limits(max_upload_mb=args.max_upload_mb, max_pixels=args.max_pixels, max_pdf_pages=args.max_pdf_pages,
                    workers=args.workers, queue=args.queue, timeout_s=args.timeout)
    app = create_app(limits=limits, rec_model=args.rec_model, det_model=args.detect_model)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def add(sub) -> None:
    p = sub.add_parser("serve", help="HTTP service: POST images or PDFs to /v1/read (needs korocr[serve])",
                       description=__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--rec-model", default="default", help="recognition model (as for korocr read)")
    p.add_argument("--detect-model", default="default", help="text detector (as for korocr read)")
    p.add_argument("--workers", type=int, default=1, help="requests read at the same time (threads)")
    p.add_argument("--queue", type=int, default=4, help="requests that may wait; more get 503 at once")
    p.add_argument("--timeout", type=float, default=120, help="seconds per request before a 504")
    p.add_argument("--max-upload-mb", type=float, default=20, help="largest request body (MB) before a 413")
    p.add_argument("--max-pixels", type=int, default=40_000_000, help="largest image or rendered PDF page")
    p.add_argument("--max-pdf-pages", type=int, default=20, help="most PDF pages per request")
    p.set_defaults(func=run)
