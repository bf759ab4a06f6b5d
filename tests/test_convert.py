"""Dataset formats in, LMDB/folder out, nothing lost: every report adds up (in = out + rejected)."""

import io
import json

import pytest
from PIL import Image

from korocr.io.convert import dataset_stats, derive_charset, split_samples, write_dataset
from korocr.io.datasets import DatasetError, open_dataset
from korocr.text import Charset


def _png(size=(40, 16), color=90) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (color, color, color)).save(buf, "PNG")
    return buf.getvalue()


def _jpg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 12), "white").save(buf, "JPEG")
    return buf.getvalue()


def _common_images(d):
    (d / "images").mkdir(parents=True, exist_ok=True)
    (d / "images" / "ok.png").write_bytes(_png())
    (d / "images" / "ok2.jpg").write_bytes(_jpg())
    (d / "images" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    (d / "images" / "empty.png").write_bytes(b"")


def _check(report, written, reasons):
    assert report.read == report.written + len(report.rejected)
    assert report.written == written
    got = [r for _, r in report.rejected]
    for needle in reasons:
        assert any(needle in r for r in got), (needle, got)
    assert len(got) == len(reasons)


@pytest.mark.parametrize("to", ["lmdb", "folder"])
def test_tsv_to_lmdb_and_folder(tmp_path, to):
    d = tmp_path / "src"
    _common_images(d)
    (d / "labels.tsv").write_bytes(("\ufeffimages/ok.png\t가나\r\nimages/ok2.jpg\t다 라\r\nimages/corrupt.png\t마\r\n"
                                    "images/empty.png\t바\r\nimages/missing.png\t사\r\nimages/ok.png\t\r\n"
                                    "no tab\r\n").encode("utf-8"))
    rep = write_dataset(open_dataset(d), tmp_path / "out", to=to)
    _check(rep, 2, ["corrupt", "empty image data", "cannot read image file", "empty label", "expected 'image<TAB>"])
    saved = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert saved["read"] == 7 and saved["written"] == 2 and saved["rejected"] == 5
    back = list(open_dataset(tmp_path / "out"))
    assert [s.text for s in back] == ["가나", "다 라"]


def test_labels_txt_trdg_style(tmp_path):
    d = tmp_path / "trdg"
    _common_images(d)
    (d / "labels.txt").write_text("ok.png 여기가 라벨\ncorrupt.png 곳\nok2.jpg 입니다.\n", encoding="utf-8")
    rep = write_dataset(open_dataset(d), tmp_path / "out")
    _check(rep, 2, ["corrupt"])


def test_aihub_json(tmp_path):
    d = tmp_path / "aihub"
    _common_images(d)
    doc = {"info": {}, "images": [{"id": "00000001", "width": 40, "height": 16, "file_name": "ok.png"},
                                  {"id": "00000002", "file_name": "empty.png"}],
           "annotations": [{"id": "1", "image_id": "00000001", "text": "여기가 이미지",
                            "attributes": {"type": "문장", "gender": "여"}},
                           {"id": "2", "image_id": "00000002", "text": "빈 파일"},
                           {"id": "3", "image_id": "00000099", "text": "없는 이미지"}]}
    (d / "handwriting_data_info1.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    rows = list(open_dataset(d / "handwriting_data_info1.json"))
    assert rows[0].meta == {"type": "문장", "gender": "여"} and rows[0].text == "여기가 이미지"
    assert "00000099" in rows[2].error
    rep = write_dataset(rows, tmp_path / "out")
    _check(rep, 1, ["empty image data", "has no entry in 'images'"])
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [}', encoding="utf-8")
    with pytest.raises(DatasetError, match="bad.json:1: not valid JSON"):
        list(open_dataset(bad, fmt="aihub"))


def test_sidecar_folder(tmp_path):
    d = tmp_path / "side"
    d.mkdir()
    (d / "a.png").write_bytes(_png())
    (d / "a.txt").write_text("\ufeff한국어\r\n", encoding="utf-8")
    (d / "b.png").write_bytes(_png())  # no b.txt
    (d / "c.jpg").write_bytes(_jpg())
    (d / "c.txt").write_text("", encoding="utf-8")
    rows = list(open_dataset(d))
    assert rows[0].text == "한국어"
    rep = write_dataset(rows, tmp_path / "out")
    _check(rep, 1, ["missing label file", "empty label"])


def test_hiertext_lines_and_words(tmp_path):
    d = tmp_path / "ht"
    d.mkdir()
    Image.new("RGB", (200, 100), "white").save(d / "img1.jpg")
    ann = {"image_id": "img1", "image_width": 200, "image_height": 100, "paragraphs": [{
        "vertices": [[0, 0], [200, 0], [200, 100], [0, 100]], "legible": True, "lines": [
            {"text": "서울 가는 길", "legible": True, "vertical": False, "handwritten": False,
             "vertices": [[10, 10], [150, 10], [150, 40], [10, 40]],
             "words": [{"text": "서울", "legible": True, "vertical": False, "handwritten": False,
                        "vertices": [[10, 10], [60, 10], [60, 40], [10, 40]]},
                       {"text": "가는", "legible": False, "vertices": [[70, 10], [100, 10], [100, 40], [70, 40]]}]},
            {"text": "세로", "legible": True, "vertical": True, "handwritten": True,
             "vertices": [[160, 10], [190, 10], [190, 90], [160, 90]], "words": []}]}]}
    missing = {"image_id": "nope", "paragraphs": [{"lines": [{"text": "x", "vertices": [[0, 0], [1, 1]]}]}]}
    (d / "train.jsonl").write_text(json.dumps(ann, ensure_ascii=False) + "\n" + json.dumps(missing) + "\n",
                                   encoding="utf-8")
    lines = list(open_dataset(d / "train.jsonl"))
    assert [s.text for s in lines] == ["서울 가는 길", "세로", "x"]
    assert lines[1].meta["vertical"] and lines[1].meta["handwritten"]
    assert Image.open(io.BytesIO(lines[0].image)).size == (140, 30)
    assert "image not found" in lines[2].error
    words = list(open_dataset(d / "train.jsonl", level="word"))
    assert [w.error for w in words] == [None, "illegible"]
    # the single-JSON form of the official release reads the same
    (d / "val.json").write_text(json.dumps({"info": {}, "annotations": [ann]}, ensure_ascii=False), encoding="utf-8")
    assert [s.text for s in open_dataset(d / "val.json", fmt="hiertext")] == ["서울 가는 길", "세로"]


def test_split_is_deterministic_and_complete(tmp_path):
    d = tmp_path / "src"
    _common_images(d)
    (d / "labels.tsv").write_text("".join(f"images/ok.png\t글자{i}\n" for i in range(50)), encoding="utf-8")
    samples = list(open_dataset(d))
    a = split_samples(samples, [0.8, 0.1, 0.1], seed=7)
    b = split_samples(samples, [0.8, 0.1, 0.1], seed=7)
    assert [len(p) for p in a] == [40, 5, 5]
    assert [[s.text for s in p] for p in a] == [[s.text for s in p] for p in b]
    assert sorted(s.text for p in a for s in p) == sorted(s.text for s in samples)
    assert [s.text for s in split_samples(samples, [1, 1], seed=8)[0]] != [s.text for s in a[0]][:25]


def test_stats_and_charset(tmp_path):
    d = tmp_path / "src"
    _common_images(d)
    (d / "labels.tsv").write_text("images/ok.png\t가가나\nimages/ok2.jpg\t中A\n", encoding="utf-8")
    st = dataset_stats(open_dataset(d), Charset.default())
    assert st.samples == 2 and st.chars["가"] == 2 and dict(st.outside) == {"中": 1}
    assert sum(st.heights.values()) == 2
    cs = derive_charset(open_dataset(d), base=Charset(list("나")))
    assert cs.chars == ["나", "가", "中", "A"]


def test_dataset_cli_convert_split(tmp_path):
    import subprocess
    import sys

    d = tmp_path / "src"
    _common_images(d)
    (d / "labels.tsv").write_text("images/ok.png\t가\nimages/corrupt.png\t나\nimages/ok2.jpg\t다\n" * 4,
                                  encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "korocr", "dataset", "convert", str(d), "-o", str(tmp_path / "db")],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "read 12, written 8, rejected 4" in r.stdout
    assert "rejected images/corrupt.png" in r.stderr
    r = subprocess.run([sys.executable, "-m", "korocr", "dataset", "split", str(tmp_path / "db"), "-o",
                        str(tmp_path / "parts"), "--ratios", "0.5", "0.5", "--names", "train", "test"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "read 4, written 4, rejected 0" in r.stdout
    r = subprocess.run([sys.executable, "-m", "korocr", "dataset", "charset", str(tmp_path / "db"), "-o",
                        str(tmp_path / "cs.txt")], capture_output=True, text=True)
    assert (tmp_path / "cs.txt").read_text(encoding="utf-8").split() == ["가", "다"]
