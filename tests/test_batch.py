"""korocr batch: worker processes with resume, and Ray Data on a local Ray instance."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "korocr" / "samples" / "sample_ko.png"


@pytest.fixture()
def inputs(tmp_path):
    from PIL import Image

    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SAMPLE, d / "a.png")
    img = Image.open(SAMPLE).convert("RGB")
    img.save(d / "scan.tif", save_all=True, append_images=[img])  # two frames
    (d / "broken.png").write_bytes(b"not an image")
    return d


def test_list_pages_names_every_frame_without_decoding(inputs):
    from korocr.io.inputs import list_pages

    items, problems = list_pages([str(inputs), str(inputs / "nothing*.png")])
    assert [Path(i["name"]).name for i in items] == ["a.png", "broken.png", "scan.tif#page=1", "scan.tif#page=2"]
    assert problems and "no file matches" in problems[0]


@pytest.mark.parametrize("workers", [1, 2])
def test_local_batch_writes_every_page_once_and_resumes(inputs, tmp_path, workers):
    from korocr.batch import run_local
    from korocr.io.inputs import list_pages

    items, _ = list_pages([str(inputs)])
    out = tmp_path / "out.jsonl"
    errors = []
    report = run_local(items, out, workers=workers, on_error=errors.append)
    assert (report.items, report.done, report.failed, report.skipped) == (4, 3, 1, 0)
    assert "broken.png" in errors[0]
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["image"]).name for r in rows] == ["a.png", "scan.tif#page=1", "scan.tif#page=2"]
    assert all("서울특별시" in r["text"] for r in rows)
    out.write_text(out.read_text(encoding="utf-8").splitlines()[0] + "\n" + '{"image": "torn', encoding="utf-8")
    again = run_local(items, out, workers=1, resume=True)
    assert (again.done, again.failed, again.skipped) == (2, 1, 1)
    names = [json.loads(x)["image"] for x in out.read_text(encoding="utf-8").splitlines()
             if x.strip().endswith("}")]
    assert sorted(Path(n).name for n in names) == ["a.png", "scan.tif#page=1", "scan.tif#page=2"]


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (korocr[ray])")
def test_ray_batch_on_a_local_instance(inputs, tmp_path):
    from korocr.batch import read_outputs, run_ray
    from korocr.io.inputs import list_pages

    items, _ = list_pages([str(inputs)])
    out = tmp_path / "ray_out"
    report = run_ray(items, out, actors=2, batch_size=2, fmt="parquet", num_cpus=0.5)
    assert (report.items, report.done, report.failed) == (4, 3, 1)
    rows = list(read_outputs(out))
    assert sorted(Path(r["image"]).name for r in rows) == ["a.png", "broken.png", "scan.tif#page=1",
                                                         "scan.tif#page=2"]
    good = [r for r in rows if not r["error"]]
    assert len(good) == 3 and all("서울특별시" in json.loads(r["result"])["text"] for r in good)
