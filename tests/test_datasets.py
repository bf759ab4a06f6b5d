import io

import lmdb
import pytest
from PIL import Image

from korocr.io.datasets import DatasetError, open_dataset, read_space_labels, read_tab_labels
from korocr.io.lmdb import LmdbDataset, write_lmdb


def _png(color=0, size=(30, 12)) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, color).save(buf, "PNG")
    return buf.getvalue()


def test_tab_labels_bom_crlf_and_multiline(tmp_path):
    (tmp_path / "a.png").write_bytes(_png())
    (tmp_path / "labels.tsv").write_bytes("\ufeffa.png\t서울\\n평양\r\nb.png\t조 헤어샵\r\n".encode("utf-8"))
    rows = list(open_dataset(tmp_path))
    assert [(r.key, r.text) for r in rows] == [("a.png", "서울\n평양"), ("b.png", "조 헤어샵")]
    assert rows[0].image == tmp_path / "a.png"


def test_space_labels_split_at_first_space(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "labels.txt").write_text("0.jpg 여기가\n1.jpg 라벨이 있는 곳\n", encoding="utf-8")
    rows = list(read_space_labels(tmp_path / "labels.txt"))
    assert [r.text for r in rows] == ["여기가", "라벨이 있는 곳"]
    assert rows[1].image == tmp_path / "images" / "1.jpg"


def test_bad_rows_name_file_and_line(tmp_path):
    bad = tmp_path / "gt_train.txt"
    bad.write_text("a.png\t가\nno-tab-here\nb.png\t\n", encoding="utf-8")
    rows = list(read_tab_labels(bad))
    assert rows[0].error is None
    assert "gt_train.txt:2: expected 'image<TAB>text'" in rows[1].error
    assert rows[2].error == "empty label"
    enc = tmp_path / "labels.tsv"
    enc.write_bytes("a.png\t가\n".encode("utf-8") + "b.png\t한국\n".encode("euc-kr"))
    with pytest.raises(DatasetError, match=r"labels.tsv:2: not valid UTF-8"):
        list(read_tab_labels(enc))
    with pytest.raises(DatasetError, match="no labels"):
        open_dataset(_empty_dir(tmp_path))


def _empty_dir(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return d


def test_lmdb_write_report_adds_up_and_layout(tmp_path):
    good = _png(200)
    samples = [("a", good, "가나"), ("b", b"", "다"), ("c", b"not an image", "라"), ("d", good, "  "),
               ("e", tmp_path / "missing.png", "마"), ("f", _png(10), "바 사")]
    rep = write_lmdb(tmp_path / "db", samples)
    assert rep.read == 6 and rep.written == 2 and len(rep.rejected) == 4
    assert rep.read == rep.written + len(rep.rejected)
    reasons = dict(rep.rejected)
    assert "empty" in reasons["b"] and "corrupt" in reasons["c"] and "empty label" in reasons["d"]
    assert "cannot read" in reasons["e"]
    env = lmdb.open(str(tmp_path / "db"), readonly=True, lock=False)
    with env.begin() as txn:
        assert txn.get(b"num-samples") == b"2"
        assert txn.get(b"image-000000001") == good
        assert txn.get(b"label-000000002").decode() == "바 사"
        assert txn.get(b"image-000000003") is None


def test_reads_a_dtrb_lmdb_byte_identical(tmp_path):
    """An LMDB written the way deep-text-recognition-benchmark's create_lmdb_dataset.py writes it."""
    imgs = [_png(i * 40) for i in range(3)]
    env = lmdb.open(str(tmp_path / "dtrb"), map_size=1 << 24)
    with env.begin(write=True) as txn:
        for i, (im, lab) in enumerate(zip(imgs, ["하나", "둘", "셋 넷"]), 1):
            txn.put(b"image-%09d" % i, im)
            txn.put(b"label-%09d" % i, lab.encode())
        txn.put(b"num-samples", b"3")
    env.close()
    ds = LmdbDataset(tmp_path / "dtrb")
    assert len(ds) == 3
    assert [ds.raw(i)[1] for i in range(3)] == imgs
    assert [s.text for s in open_dataset(tmp_path / "dtrb")] == ["하나", "둘", "셋 넷"]
