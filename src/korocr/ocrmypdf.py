"""korocr as an OCR engine of OCRmyPDF (17 and newer), which then makes searchable PDFs and PDF/A with a Korean
text layer:

    pip install "korocr[ocrmypdf]"
    ocrmypdf --plugin korocr.ocrmypdf -l kor in.pdf out.pdf
    ocrmypdf --plugin korocr.ocrmypdf -l kor --output-type pdf --rotate-pages in.pdf out.pdf

OCRmyPDF rasterises each page and calls :meth:`KorocrEngine.generate_hocr` on the image, in its own worker
threads or processes (``--jobs``), so each worker reads with one thread. The plugin answers OCRmyPDF's language
check for ``kor``, ``eng`` and ``kor_vert`` (korocr reads Korean mixed with Latin, digits and symbols, and vertical
columns, in one model); the page orientation (``--rotate-pages``) comes from korocr's ``--rotate auto``.
Options of the plugin (``--korocr-rec-model``, ``--korocr-det-model``) choose other models.
The plugin interface is OCRmyPDF's ``OcrEngine`` (``ocrmypdf.pluginspec``); see OCRmyPDF's documentation on
plugins.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ocrmypdf import hookimpl
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence

from . import __version__

LANGUAGES = {"kor", "eng", "kor_vert"}


@lru_cache(maxsize=4)
def _reader(rec_model: str | None, det_model: str | None, rotate: int | str = 0):
    from .reader import Reader

    return Reader(rec_model, det_model=det_model or "default", threads=1, rotate=rotate)


def _models(options) -> tuple[str | None, str | None]:
    return getattr(options, "korocr_rec_model", None), getattr(options, "korocr_det_model", None)


def _load(path: Path):
    from .io.image import load_image

    return load_image(str(path))


class KorocrEngine(OcrEngine):
    """OCRmyPDF's ``OcrEngine`` backed by :class:`korocr.reader.Reader` (hOCR out, one page per call)."""

    @staticmethod
    def version() -> str:
        return __version__

    @staticmethod
    def creator_tag(options) -> str:
        return f"korocr {__version__}"

    def __str__(self) -> str:
        return f"korocr {__version__}"

    @staticmethod
    def languages(options) -> set[str]:
        return set(LANGUAGES)

    @staticmethod
    def get_orientation(input_file: Path, options) -> OrientationConfidence:
        """The clockwise turn (0/90/180/270) that makes the page upright, from reading it the four ways round
        (korocr's ``--rotate auto``); confidence 0-15 in OCRmyPDF's units (15 only when the upright reading is
        found and confident)."""
        page = _reader(*_models(options), rotate="auto").read(_load(input_file))
        ccw = int(page.rotation or 0)
        conf = 15.0 * float(page.confidence) if page.lines else 0.0
        return OrientationConfidence(angle=(360 - ccw) % 360, confidence=conf)

    @staticmethod
    def get_deskew(input_file: Path, options) -> float:
        return 0.0

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options) -> None:
        """Read one page image; write its hOCR (lines and words with boxes and confidences) and plain text."""
        from .formatters import format_hocr

        page = _reader(*_models(options)).read(_load(input_file), name=Path(input_file).name)
        Path(output_hocr).write_text(format_hocr(page), encoding="utf-8")
        Path(output_text).write_text(page.text + "\n", encoding="utf-8")

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options) -> None:
        raise NotImplementedError("korocr writes hOCR; use OCRmyPDF's default renderer (--pdf-renderer auto/fpdf2)")


@hookimpl
def add_options(parser) -> None:
    group = parser.add_argument_group("korocr", "Options of the korocr OCR engine (--plugin korocr.ocrmypdf)")
    group.add_argument("--korocr-rec-model", metavar="PATH", help="recognition model (default: the bundled one)")
    group.add_argument("--korocr-det-model", metavar="PATH", help="detection model (default: the bundled one)")


@hookimpl(tryfirst=True)
def get_ocr_engine(options):
    """korocr replaces Tesseract unless another engine is asked for by name (``--ocr-engine tesseract|none``)."""
    if options is not None and getattr(options, "ocr_engine", "auto") not in ("auto", None):
        return None
    return KorocrEngine()
