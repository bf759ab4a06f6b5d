"""The HTTP service, through FastAPI's test client (no network)."""

import base64
import io
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import korocr
from korocr.evaluation.metrics import cer

pytest.importorskip("fastapi", reason="needs korocr[serve]")
pytest.importorskip("httpx", reason="FastAPI's test client needs httpx")
from fastapi.testclient import TestClient  # noqa: E402

from korocr.service.app import Limits, create_app  # noqa: E402

SAMPLE = Path(korocr.__file__).parent / "samples" / "sample_ko.png"
EXPECTED = (SAMPLE.parent / "sample_ko.txt").read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(limits=Limits(max_upload_mb=2, max_pixels=5_000_000, max_pdf_pages=2)))


def test_health_and_docs(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200 and "/v1/read" in client.get("/openapi.json").text


def test_read_multipart_and_base64_json(client):
    r = client.post("/v1/read", files={"file": ("s.png", SAMPLE.read_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    (page,) = r.json()
    assert cer(page["text"], EXPECTED, ignore_space=True) < 0.1 and len(page["lines"]) == 3
    r = client.post("/v1/read", json={"image": base64.b64encode(SAMPLE.read_bytes()).decode(), "min_confidence": 1.01})
    assert r.status_code == 200 and r.json()[0]["lines"] == []  # the threshold applies per request


def test_pdf_pages(client, tmp_path):
    im = Image.open(SAMPLE).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "PDF", save_all=True, append_images=[im], resolution=150)
    r = client.post("/v1/read", files={"file": ("d.pdf", buf.getvalue(), "application/pdf")}, data={"pages": "2"})
    assert r.status_code == 200, r.text
    assert [p["image"] for p in r.json()] == ["upload.pdf#page=2"]
    big = io.BytesIO()
    im.save(big, "PDF", save_all=True, append_images=[im, im], resolution=150)
    assert client.post("/v1/read", files={"file": ("d.pdf", big.getvalue())}).status_code == 413  # 3 > 2 pages


def test_errors_are_json_with_the_right_status(client):
    def post(payload, **kw):
        return client.post("/v1/read", files={"file": ("x", payload)}, **kw)

    assert post(b"not an image at all").status_code == 415
    assert post(b"").status_code == 422
    assert post(b"\0" * (3 * 1024 * 1024)).status_code == 413  # over 2 MB
    huge = io.BytesIO()
    Image.new("L", (3000, 3000), 255).save(huge, "PNG")  # 9 Mpx > 5 Mpx, a small file
    r = post(huge.getvalue())
    assert r.status_code == 413 and "pixels" in r.json()["detail"]
    assert post(SAMPLE.read_bytes(), data={"rotate": "45"}).status_code == 422
    assert client.post("/v1/read", content=b"x", headers={"content-type": "text/plain"}).status_code == 415
    assert client.post("/v1/read", json={"img": "x"}).status_code == 422


def test_saturation_gives_503_not_a_queue():
    gate, entered = threading.Event(), threading.Event()

    class SlowReader:
        def read(self, arr, line=False, name=None, vertical=False):
            from korocr.io.elements import Page

            entered.set()
            gate.wait(10)
            return Page(name, (arr.shape[1], arr.shape[0]))

    app = create_app(reader_factory=lambda opts: SlowReader(), limits=Limits(workers=1, queue=0))
    client = TestClient(app)
    png = io.BytesIO()
    Image.fromarray(np.full((20, 40, 3), 255, np.uint8)).save(png, "PNG")
    results = []
    t = threading.Thread(target=lambda: results.append(client.post("/v1/read", files={"file": ("a.png", png.getvalue())})))
    t.start()
    assert entered.wait(10)
    busy = client.post("/v1/read", files={"file": ("b.png", png.getvalue())})
    gate.set()
    t.join(10)
    assert busy.status_code == 503 and results[0].status_code == 200
