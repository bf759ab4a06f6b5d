"""The korocr command line, run as a user would (subprocesses, temp folders)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import korocr
from korocr.evaluation.metrics import cer
from korocr.hub import DEFAULT_REC_MODEL as DEFAULT_MODEL

SAMPLES = Path(korocr.__file__).parent / "samples"


def korocr_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "korocr", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_default_model_is_shipped_and_reads_the_sample():
    assert DEFAULT_MODEL.is_file(), "the default recognition model must ship inside the package"
    r = korocr_cli("read", SAMPLES / "sample_ko.png")
    assert r.returncode == 0, r.stderr
    expected = (SAMPLES / "sample_ko.txt").read_text(encoding="utf-8").strip()
    assert r.stdout.count("\n") == expected.count("\n") + 1  # three lines found
    assert cer(r.stdout.strip(), expected, ignore_space=True) < 0.1, r.stdout
    greedy = korocr_cli("read", "--decoder", "greedy", SAMPLES / "sample_ko.png")
    assert greedy.returncode == 0 and cer(greedy.stdout.strip(), expected, ignore_space=True) < 0.1, greedy.stderr


def test_read_jsonl_bad_files_and_exit_status(tmp_path, tiny_onnx):
    good = tmp_path / "good.png"
    Image.fromarray(np.full((32, 100, 3), 255, np.uint8)).save(good)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff garbage")
    r = korocr_cli("read", "--line", "--format", "jsonl", "--rec-model", tiny_onnx, good, tmp_path / "missing.png",
                   corrupt, good)
    assert r.returncode == 1
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [row["image"] for row in rows] == [str(good), str(good)]  # the other images are still read
    for row in rows:
        assert set(row) == {"image", "text", "confidence", "lines"}
        assert set(row["lines"][0]) == {"text", "confidence", "box"} and row["lines"][0]["box"] == [0, 0, 100, 32]
    assert "missing.png: no such file" in r.stderr and "corrupt.jpg" in r.stderr
    assert "2 of 4 image(s) could not be read" in r.stderr


def test_read_bad_model_is_a_clear_error(tmp_path):
    r = korocr_cli("read", "--rec-model", tmp_path / "nope.onnx", SAMPLES / "sample_ko.png")
    assert r.returncode == 2 and "nope.onnx: recognition model not found" in r.stderr


def test_synth_then_eval(tmp_path, tiny_onnx, korean_font):
    out = tmp_path / "synth"
    words = tmp_path / "words.txt"
    words.write_text("가나\n다라\n마바사\n", encoding="utf-8")
    r = korocr_cli("synth", "-c", 12, "-o", out, "-w", 2, "--dict", words, "--fonts", korean_font.spec.key,
                   "--format", "both", "--workers", 2, "--seed", 5)
    assert r.returncode == 0, r.stderr
    labels = (out / "labels.txt").read_text(encoding="utf-8").splitlines()
    assert len(labels) == 12
    name, text = labels[0].split(" ", 1)
    assert (out / "images" / name).is_file() and len(text.split()) == 2
    assert (out / "lmdb" / "data.mdb").is_file()
    # same seed, one worker: same texts
    r2 = korocr_cli("synth", "-c", 12, "-o", tmp_path / "s2", "-w", 2, "--dict", words, "--fonts",
                    korean_font.spec.key, "--seed", 5)
    assert (tmp_path / "s2" / "labels.txt").read_text(encoding="utf-8").splitlines() == labels

    log = tmp_path / "log.tsv"
    r = korocr_cli("eval", tiny_onnx, out / "lmdb", "--log", log, "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.splitlines()[-1])
    assert summary["n"] == 12 and 0 <= summary["cer"] <= 5
    rows = log.read_text(encoding="utf-8").splitlines()
    assert rows[0].split("\t") == ["image", "ground_truth", "prediction", "confidence", "cer"]
    assert len(rows) == 14 and rows[-1].startswith("# summary\tn=12\t")
    assert (tmp_path / "log.txt").read_text(encoding="utf-8").startswith("Image Name")
    r = korocr_cli("eval", tiny_onnx, out / "lmdb", "--decoder", "greedy", "--json")
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[-1])["n"] == 12, r.stderr
    r = korocr_cli("eval", tiny_onnx, out)  # the files + labels.txt form of the same set
    assert r.returncode == 0 and "samples 12" in r.stdout


def test_export_cli(tmp_path, tiny_model):
    from korocr.models.checkpoints import save_weights

    model, charset = tiny_model
    w = save_weights(tmp_path / "w.pt", model, charset)
    r = korocr_cli("export", w, tmp_path / "m.onnx")
    assert r.returncode == 0, r.stderr
    from korocr.recognition.onnx_recognizer import OnnxRecognizer

    assert OnnxRecognizer(tmp_path / "m.onnx").chars == charset.chars


def test_python_api_reads_arrays_and_pil(tiny_onnx):
    reader = korocr.Reader(tiny_onnx)
    arr = np.full((40, 120, 3), 255, np.uint8)
    arr[10:30, 10:110] = 0
    page = reader.read(Image.fromarray(arr), line=True, name="x")
    assert page.image == "x" and len(page.lines) == 1
    pages = list(reader.read_many([arr, arr], line=True))
    assert len(pages) == 2 and pages[0].text == pages[1].text


def test_default_detector_is_shipped_and_classical_is_selectable():
    from korocr.hub import DEFAULT_DET_MODEL
    from korocr.reader import Reader

    assert DEFAULT_DET_MODEL.is_file(), "the default text detector must ship inside the package"
    assert Reader().detector.path == DEFAULT_DET_MODEL
    from korocr.detection.lines import ClassicalDetector

    assert isinstance(Reader(det_model="classical").detector, ClassicalDetector)  # one detector interface
    r = korocr_cli("read", "--detect-model", "classical", SAMPLES / "sample_ko.png")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n") == 3


def test_rotate_auto_reads_a_turned_page():
    from korocr.io.image import load_image
    from korocr.reader import Reader

    img = load_image(SAMPLES / "sample_ko.png")
    expected = (SAMPLES / "sample_ko.txt").read_text(encoding="utf-8").strip()
    reader = Reader(rotate="auto")
    tried: list[int] = []
    read_turned = reader._read_turned
    reader._read_turned = lambda arr, label, a, *rest: tried.append(a) or read_turned(arr, label, a, *rest)
    for k, angle, first in ((1, 270, {90, 270}), (2, 180, {180})):
        turned = np.ascontiguousarray(np.rot90(img, k=k))  # a page turned by 90° (k=1) or 180° (k=2)
        tried.clear()
        page = reader.read(turned)
        assert page.rotation == angle and cer(page.text, expected, ignore_space=True) < 0.1, page.text
        # the likelier turns come first (on its side: 90/270; upside down: 180), and a confident one ends it
        assert tried[0] == 0 and set(tried[1:len(first) + 1]) == first and len(tried) == 1 + len(first), tried
    tried.clear()
    assert reader.read(img).rotation == 0 and tried == [0]


def test_inputs_directories_globs_lists_stdin_and_tiff_frames(tmp_path):
    from korocr.io.inputs import expand_inputs

    img = Image.open(SAMPLES / "sample_ko.png").convert("RGB")
    (tmp_path / "d").mkdir()
    img.save(tmp_path / "d" / "a.png")
    img.save(tmp_path / "d" / "scan.tif", save_all=True, append_images=[img, img])  # 3 frames
    (tmp_path / "list.txt").write_text(str(tmp_path / "d" / "a.png") + "\n", encoding="utf-8")
    sources, names, problems = expand_inputs([str(tmp_path / "d"), f"@{tmp_path / 'list.txt'}",
                                              str(tmp_path / "d" / "*.png"), str(tmp_path / "none*.png")])
    assert [Path(n).name for n in names] == ["a.png", "scan.tif#page=1", "scan.tif#page=2", "scan.tif#page=3",
                                             "a.png", "a.png"]
    assert len(sources) == 6 and problems == [f"{tmp_path / 'none*.png'}: no file matches"]
    r = subprocess.run([sys.executable, "-m", "korocr", "read", "--format", "tsv", "-"],
                       input=(SAMPLES / "sample_ko.png").read_bytes(), capture_output=True, timeout=600)
    assert r.returncode == 0 and "서울" in r.stdout.decode("utf-8")
    r = korocr_cli("read", "--format", "tsv", tmp_path / "d" / "scan.tif")
    assert {row.split("\t")[1] for row in r.stdout.splitlines()[1:]} == {"1", "2", "3"}  # page_num per frame


def test_allowlist_and_blocklist_restrict_the_output(tiny_onnx):
    from korocr.recognition.onnx_recognizer import OnnxRecognizer

    line = np.asarray(Image.open(SAMPLES / "sample_ko.png").convert("RGB"))[30:75, :400]
    digits = OnnxRecognizer(None, allowlist="0123456789").recognize([line])[0].text
    assert set(digits) <= set("0123456789")
    no_korean = OnnxRecognizer(None, blocklist="국어문자인식한").recognize([line])[0].text
    assert not set(no_korean) & set("국어문자인식한")


def test_bgr_arrays_and_device_errors():
    from korocr.errors import ModelLoadError
    from korocr.reader import Reader

    rgb = np.asarray(Image.open(SAMPLES / "sample_ko.png").convert("RGB"))
    r = Reader()
    assert r.read(rgb[..., ::-1].copy(), channel_order="bgr").text == r.read(rgb).text
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        with pytest.raises(ModelLoadError, match="onnxruntime-gpu"):
            Reader(device="cuda")


def test_resume_skips_what_is_done(tmp_path):
    img = tmp_path / "a.png"
    Image.open(SAMPLES / "sample_ko.png").save(img)
    Image.open(SAMPLES / "sample_ko.png").save(tmp_path / "b.png")
    out = tmp_path / "out.jsonl"
    assert korocr_cli("read", "--format", "jsonl", "-o", out, img).returncode == 0
    with open(out, "a", encoding="utf-8") as fh:
        fh.write('{"image": "torn')  # an interrupted run's last line
    r = korocr_cli("read", "--format", "jsonl", "-o", out, "--resume", img, tmp_path / "b.png")
    assert r.returncode == 0 and "1 of 2 image(s) already" in r.stderr
    images = [json.loads(x)["image"] for x in out.read_text(encoding="utf-8").splitlines() if x.endswith("}")]
    assert sorted(Path(i).name for i in images) == ["a.png", "b.png"]


def test_progress_bars_on_long_jobs(tmp_path, korean_font, capsys):
    """--progress draws a tqdm bar on stderr for synth, dataset convert and eval; the results are unchanged."""
    from korocr.cli import main

    words = tmp_path / "w.txt"
    words.write_text("가나\n다라\n", encoding="utf-8")
    synth = ["synth", "--count", "6", "--output", str(tmp_path / "s"), "--words", str(words), "--fonts",
             korean_font.spec.key, "--seed", "1"]
    for argv in (synth + ["--progress"],
                 ["dataset", "convert", str(tmp_path / "s"), "-o", str(tmp_path / "db"), "--progress"],
                 ["eval", "default", str(tmp_path / "s"), "--progress"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 0
        err = capsys.readouterr().err
        assert "100%|" in err or "6sample [" in err  # convert streams without a known total


def test_a_line_upside_down_on_an_upright_page_is_read_turned():
    from korocr.io.image import load_image

    sample = Path(korocr.__file__).parent / "samples" / "sample_ko.png"
    img = load_image(sample).copy()
    img[95:135] = img[95:135][::-1, ::-1].copy()  # the middle line (서울특별시 ...) turned by 180 degrees
    lines = korocr.Reader().read(img).lines
    assert [ln.text for ln in lines][1] == "서울특별시 중구 세종대로 110"
    assert [ln.rotation for ln in lines] == [0, 180, 0]
    assert lines[1].to_dict(words=False)["rotation"] == 180
    off = korocr.Reader(flip_below=0).read(img).lines  # without the second reading the turned line is garbage
    assert all("서울특별시" not in ln.text for ln in off)


def test_a_turned_reading_of_digits_alone_does_not_flip_a_line():
    """A one-digit table cell read as 9 may read more confidently as 6 turned round; digits are no evidence of
    orientation, so only a turned reading with letters replaces the upright one."""
    from korocr.detection.base import TextRegion
    from korocr.recognition.decoding import Decoded

    class Stub:
        def recognize(self, lines):  # turned crops have their dark corner at the bottom right
            return [Decoded("6" if x[-1, -1] == 0 else "서울특별시", 0.97, [0.97]) for x in lines]

    reader = korocr.Reader.__new__(korocr.Reader)
    reader.recognizer, reader.flip_below, reader.flip_margin = Stub(), 0.9, 0.1
    crops = [np.full((20, 12), 255, np.uint8), np.full((20, 80), 255, np.uint8)]
    crops[0][0, 0] = 0  # the digit cell
    quad = np.zeros((4, 2), np.float32)
    regions = [TextRegion(quad, (0, 0, 12, 20), 0.9, False), TextRegion(quad, (0, 30, 80, 50), 0.9, False)]
    first = [Decoded("9", 0.6, [0.6]), Decoded("긓긓", 0.5, [0.5])]
    flipped = reader._flipped_lines(crops, regions, first)
    assert set(flipped) == {1} and flipped[1].text == "서울특별시"


def test_a_page_is_mostly_flipped_by_its_letters_not_its_digits():
    """A receipt turned by 180 degrees reads its price column as digits the other way up, with confidence;
    those outnumber the letters of its item lines, which had to be read turned, but they are no evidence of
    the page's orientation: only letters are counted."""
    from korocr.io.elements import Line, Page
    from korocr.reader import _mostly_flipped

    def page(*lines):
        return Page("p", (100, 100), lines=[Line(t, 0.95, (0, 0, 10, 10), rotation=r) for t, r in lines])

    prices = [("006'99", 0), ("008'9", 0), ("00Z'81", 0), ("00L'8L", 0)]  # 22 characters, 2 letters
    items = [("카드", 180), ("합계", 180), ("영수증", 180)]  # 7 letters, read turned
    assert _mostly_flipped(page(*prices, *items))
    assert not _mostly_flipped(page(*prices, ("카드", 0), ("합계", 0), ("영수증", 180)))
    assert not _mostly_flipped(page(*prices))  # digits alone: no evidence either way


def test_an_upside_down_page_reads_in_order_without_rotate_auto():
    from korocr.io.image import load_image

    img = load_image(SAMPLES / "sample_ko.png")
    expected = (SAMPLES / "sample_ko.txt").read_text(encoding="utf-8").strip()
    page = korocr.Reader().read(np.ascontiguousarray(img[::-1, ::-1]))
    assert page.rotation == 180 and cer(page.text, expected, ignore_space=True) < 0.05, page.text
    assert not any(ln.rotation for ln in page.lines)


def test_a_skewed_page_is_straightened_before_detection_and_its_boxes_stay_in_the_input_px():
    import cv2

    import korocr.io.elements
    from korocr.formatters import format_jsonl

    from korocr.io.image import load_image

    img = load_image(SAMPLES / "sample_ko.png")
    expected = (SAMPLES / "sample_ko.txt").read_text(encoding="utf-8").strip()
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -2.0, 1.0)  # a scan turned 2 degrees: lines fall to the right
    tilted = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=(255, 255, 255))
    reader = korocr.Reader()
    upright = reader.read(img)
    shapes: list = []
    detect = reader.detector.detect
    reader.detector.detect = lambda a: shapes.append(a.shape[:2]) or detect(a)
    page = reader.read(tilted)
    # detected twice: as given, then straightened on a canvas grown to hold the turned page
    assert len(shapes) == 2 and shapes[1][0] > h and shapes[1][1] > w, shapes
    assert cer(page.text, expected, ignore_space=True) < 0.05, page.text
    assert page.size == (w, h) and len(page.lines) == len(upright.lines)
    assert abs(page.skew - 2.0) < 0.5 and upright.skew == 0.0  # said in the result, as Tesseract's OSD does
    assert korocr.io.elements.Page.from_dict(page.to_dict()).skew == round(page.skew, 2)
    assert json.loads(format_jsonl(page))["skew"] == round(page.skew, 2) and "skew" not in format_jsonl(upright)
    for ln, up in zip(page.lines, upright.lines):  # each box sits where the tilt moved the upright line
        cx, cy = m @ [(up.box[0] + up.box[2]) / 2, (up.box[1] + up.box[3]) / 2, 1.0]
        assert abs((ln.box[0] + ln.box[2]) / 2 - cx) < 8 and abs((ln.box[1] + ln.box[3]) / 2 - cy) < 8, ln.box
        assert 0 <= ln.box[0] < ln.box[2] <= w and 0 <= ln.box[1] < ln.box[3] <= h
    shapes.clear()
    reader.read(img)
    assert len(shapes) == 1  # an upright page is detected once
    reader.deskew = 0
    shapes.clear()
    reader.read(tilted)
    assert len(shapes) == 1  # deskew=0: off
    with pytest.raises(ValueError, match="deskew"):
        korocr.Reader(deskew=-1)
