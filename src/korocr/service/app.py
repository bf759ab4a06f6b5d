"""``korocr serve``: the HTTP service (FastAPI; ``pip install 'korocr[serve]'``).

Endpoints:

* ``POST /v1/read`` — an image or a PDF, as a multipart upload (field ``file``) or as JSON
  ``{"image": "<base64>", ...}``, with the options of ``korocr read`` (``line``, ``vertical``, ``rotate``,
  ``min_confidence``, ``pages``, ``dpi``) as form fields or JSON keys. The answer is a JSON array with one object
  per image or PDF page, the objects ``korocr read --format jsonl`` prints.
* ``GET /`` — a web page: drop or pick an image or a PDF, see the boxes over it and the text with confidences
  beside it, copy or download it as text, JSON or hOCR.
* ``GET /healthz`` — ``{"status": "ok", ...}`` once the model is loaded.
* ``GET /docs`` — the OpenAPI documentation.

The models load once. Requests run in a bounded pool of ``workers`` threads with at most ``queue`` more
waiting; beyond that the service answers 503 at once (never an unbounded queue). Limits, each a JSON
``{"detail": ...}`` error: upload size (413), pixels per image (413), PDF pages (413), unknown content (415),
unreadable input or bad options (422), and a per-request timeout (504). The server makes no outbound requests.
"""


import asyncio
import base64
import binascii
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import KorocrError


@dataclass
class Limits:
    """Service limits: ``max_upload_mb`` (MB per request body), ``max_pixels`` (per image or rendered page),
    ``max_pdf_pages``, ``workers`` (requests read at once), ``queue`` (requests waiting), ``timeout_s`` (s)."""

    max_upload_mb: float = 20
    max_pixels: int = 40_000_000
    max_pdf_pages: int = 20
    workers: int = 1
    queue: int = 4
    timeout_s: float = 120


class _Rejected(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def _decode_inputs(data: bytes, opts: dict, limits: Limits) -> list[tuple[str, Any]]:
    """Request body → [(name, RGB array)]: an image, or the pages of a PDF."""
    from PIL import Image

    from ..io.image import ImageLoadError, load_image
    from ..io.pdf import PdfLoadError, is_pdf, parse_pages, render_pdf

    if is_pdf(data):
        try:
            dpi = float(opts.get("dpi") or 150)
            out = []
            for p, arr in render_pdf(data, dpi=dpi, pages=parse_pages(opts.get("pages")),
                                     max_pages=limits.max_pdf_pages, name="upload.pdf"):
                if arr.shape[0] * arr.shape[1] > limits.max_pixels:
                    raise _Rejected(413, f"page {p}: {arr.shape[1]}x{arr.shape[0]} px at {dpi:g} dpi is more than "
                                         f"{limits.max_pixels} pixels")
                out.append((f"upload.pdf#page={p}", arr))
            return out
        except PdfLoadError as e:
            status = 413 if "at most" in str(e) else 422
            raise _Rejected(status, str(e)) from None
    try:
        with Image.open(io.BytesIO(data)) as im:  # header only: refuse huge images before decoding them
            w, h = im.size
    except Exception:  # noqa: BLE001 - PIL raises many types for non-images
        raise _Rejected(415, "not an image (PNG, JPEG, BMP, TIFF, WebP) or a PDF") from None
    if w * h > limits.max_pixels:
        raise _Rejected(413, f"{w}x{h} px is more than {limits.max_pixels} pixels")
    try:
        return [("upload", load_image(data, name="upload"))]
    except ImageLoadError as e:
        raise _Rejected(422, str(e)) from None


def create_app(reader_factory: Callable[[dict], Any] | None = None, limits: Limits | None = None,
               rec_model: str | None = None, det_model: str = "default"):
    """The FastAPI application.

    Args:
        reader_factory: ``options → Reader`` (default: one :class:`korocr.Reader` per ``rotate`` setting, built
            once with ``rec_model`` / ``det_model`` and shared by all requests).
        limits: see :class:`Limits`.

    Raises:
        korocr.errors.MissingDependencyError: FastAPI is not installed.
    """
    from ..errors import require

    require("fastapi", "serve", "korocr serve")
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse

    from .. import __version__
    from ..formatters import format_jsonl

    limits = limits or Limits()
    readers: dict[Any, Any] = {}
    lock = threading.Lock()

    def default_factory(opts: dict):
        from ..reader import Reader

        key = opts.get("rotate", 0)
        with lock:
            if key not in readers:
                threads = max(1, (os.cpu_count() or 2) // limits.workers)
                readers[key] = Reader(rec_model, det_model=det_model, threads=threads, rotate=key,
                                      min_confidence=0.0)  # each request applies its own min_confidence
            return readers[key]

    factory = reader_factory or default_factory
    pool = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="korocr-read")
    slots = threading.BoundedSemaphore(limits.workers + limits.queue)
    app = FastAPI(title="korocr", version=__version__,
                  description="Korean-first OCR: POST an image or a PDF to /v1/read.")

    def run(data: bytes, opts: dict) -> list[dict]:
        import json

        reader = factory(opts)
        items = _decode_inputs(data, opts, limits)
        line = bool(opts.get("line")) or bool(opts.get("vertical"))
        out = []
        for name, arr in items:
            page = reader.read(arr, line=line, name=name, vertical=bool(opts.get("vertical")))
            if not line:  # page mode drops lines below min_confidence (default 0.5, as korocr read)
                _keep_confident(page, float(opts.get("min_confidence", 0.5)))
            out.append(json.loads(format_jsonl(page)))
        return out

    async def _options(request: Request) -> tuple[bytes, dict]:
        declared = request.headers.get("content-length")
        cap = int(limits.max_upload_mb * 1024 * 1024)
        if declared and declared.isdigit() and int(declared) > cap + 64 * 1024:
            raise _Rejected(413, f"request body larger than {limits.max_upload_mb:g} MB")
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            upload = form.get("file")
            if upload is None or not hasattr(upload, "read"):
                raise _Rejected(422, "multipart request without a 'file' field")
            data = await upload.read(cap + 1)
            opts = {k: v for k, v in form.items() if k != "file"}
        elif ctype.startswith("application/json"):
            body = await request.body()
            if len(body) > cap * 4 / 3 + 64 * 1024:
                raise _Rejected(413, f"request body larger than {limits.max_upload_mb:g} MB")
            try:
                opts = await request.json()
                data = base64.b64decode(opts.pop("image"), validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error, AttributeError):
                raise _Rejected(422, "JSON body must be an object with 'image': base64 data") from None
        else:
            raise _Rejected(415, "send multipart/form-data with a 'file' field, or JSON with base64 'image'")
        if len(data) > cap:
            raise _Rejected(413, f"upload larger than {limits.max_upload_mb:g} MB")
        if not data:
            raise _Rejected(422, "empty upload")
        return data, _parse_opts(opts)

    page = (Path(__file__).parent / "static" / "index.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        """The web page: drop an image or a PDF, see boxes, text and confidences; copy or download."""
        return page

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "version": __version__, "workers": limits.workers, "queue": limits.queue}

    @app.post("/v1/read")
    async def read(request: Request):
        try:
            data, opts = await _options(request)
        except _Rejected as e:
            return JSONResponse({"detail": e.detail}, status_code=e.status)
        if not slots.acquire(blocking=False):
            return JSONResponse({"detail": "busy: all workers and queue places are taken; retry later"},
                                status_code=503, headers={"Retry-After": "1"})
        try:
            fut = asyncio.get_running_loop().run_in_executor(pool, run, data, opts)
            try:
                result = await asyncio.wait_for(asyncio.shield(fut), timeout=limits.timeout_s)
            except asyncio.TimeoutError:
                fut.add_done_callback(lambda _f: slots.release())  # the slot frees when the work ends
                return JSONResponse({"detail": f"timed out after {limits.timeout_s:g} s"}, status_code=504)
            slots.release()
            return result
        except _Rejected as e:
            slots.release()
            return JSONResponse({"detail": e.detail}, status_code=e.status)
        except KorocrError as e:
            slots.release()
            return JSONResponse({"detail": str(e)}, status_code=422)

    app.state.limits = limits
    return app


def _keep_confident(page, threshold: float) -> None:
    """Drop the page's lines below ``threshold`` (from its blocks too; emptied blocks go)."""
    keep = {id(ln) for ln in page.lines if ln.confidence >= threshold}
    page.lines = [ln for ln in page.lines if id(ln) in keep]
    for b in page.blocks:
        b.lines = [ln for ln in b.lines if id(ln) in keep]
    page.blocks = [b for b in page.blocks if b.lines]


def _parse_opts(opts: dict) -> dict:
    """Form/JSON options → typed options; raises _Rejected (422) on bad values."""
    def flag(v) -> bool:
        return v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes", "on")

    out: dict = {}
    try:
        if "line" in opts:
            out["line"] = flag(opts["line"])
        if "vertical" in opts:
            out["vertical"] = flag(opts["vertical"])
        if "rotate" in opts:
            r = str(opts["rotate"])
            if r not in ("0", "90", "180", "270", "auto"):
                raise ValueError("rotate must be 0, 90, 180, 270 or auto")
            out["rotate"] = r if r == "auto" else int(r)
        if opts.get("min_confidence") not in (None, ""):
            out["min_confidence"] = float(opts["min_confidence"])
        if opts.get("dpi") not in (None, ""):
            out["dpi"] = float(opts["dpi"])
            if not 10 <= out["dpi"] <= 600:
                raise ValueError("dpi must be between 10 and 600")
        if opts.get("pages"):
            out["pages"] = str(opts["pages"])
    except ValueError as e:
        raise _Rejected(422, f"bad option: {e}") from None
    return out
