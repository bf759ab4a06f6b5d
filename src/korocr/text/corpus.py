"""Corpus building (``korocr corpus``): read texts, split sentences with Kiwi, clean, deduplicate.

Sources: plain text (one document per line, ``.gz`` allowed), CSV/TSV columns, and loaders for common Korean
corpora: NSMC movie reviews (the raw per-review TSV with a ``review`` column, or the
official ``ratings_*.txt`` with ``document``), the chatbot Q/A CSV (``Q``, ``A``) and the naver news
summarisation set (``document``), the last through the Hugging Face ``datasets`` library (a hub name when
the network allows, or a local CSV/JSON file of the same shape).

Sentence splitting: Kiwi (kiwipiepy, Lee 2022), ``Kiwi.split_into_sents``.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..errors import KorocrError
from .charsets import Charset, nfc

SOURCES = ("auto", "text", "table", "nsmc", "chatbot", "naver-news")


class CorpusError(KorocrError):
    """A corpus file cannot be read; the message names the file."""


def _open_text(path: Path):
    if not path.is_file():
        raise CorpusError(f"{path}: no such file")
    raw = gzip.open(path, "rb").read() if path.suffix == ".gz" else path.read_bytes()
    try:
        return io.StringIO(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CorpusError(f"{path}:{line}: not valid UTF-8") from None


def read_text_lines(path: str | Path) -> Iterator[str]:
    """Non-empty lines of a UTF-8 text file (``.gz`` allowed)."""
    for line in _open_text(Path(path)):
        if line.strip():
            yield line.rstrip("\r\n")


def read_table_columns(path: str | Path, columns: Sequence[str], delimiter: str | None = None) -> Iterator[str]:
    """Values of ``columns`` of a CSV/TSV file with a header row (delimiter from the suffix: .tsv → tab).

    Raises:
        CorpusError: a requested column is missing.
    """
    path = Path(path)
    name = path.name.lower().removesuffix(".gz")
    delim = delimiter or ("\t" if name.endswith((".tsv", ".txt")) else ",")
    reader = csv.DictReader(_open_text(path), delimiter=delim,
                            quoting=csv.QUOTE_NONE if delim == "\t" else csv.QUOTE_MINIMAL)
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise CorpusError(f"{path}: no column(s) {missing}; columns are {reader.fieldnames}")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    for row in reader:
        for c in columns:
            v = row.get(c)
            if v and v.strip():
                yield v


def load_nsmc(path: str | Path) -> Iterator[str]:
    """NSMC reviews: the raw TSV (``review`` column) or the official ``ratings_*.txt`` (``document``)."""
    path = Path(path)
    header = next(iter(_open_text(path)), "")
    col = "review" if "review" in header.rstrip("\r\n").split("\t") else "document"
    return read_table_columns(path, [col], "\t")


def load_chatbot(path: str | Path) -> Iterator[str]:
    """Chatbot_data's ChatbotData.csv: questions and answers (columns ``Q`` and ``A``)."""
    return read_table_columns(path, ["Q", "A"], ",")


def load_naver_news(source: str, split: str = "train", column: str = "document") -> Iterator[str]:
    """Naver news articles through ``datasets``: a hub name (e.g. ``daekeun-ml/naver-news-summarization-ko``)
    or a local ``.csv``/``.json``/``.jsonl`` file with a ``document`` column.

    Raises:
        CorpusError: ``datasets`` is not installed, the source cannot be loaded, or has no such column.
    """
    try:
        import datasets
    except ImportError as e:
        raise CorpusError("the naver-news loader needs the 'datasets' package: pip install 'korocr[corpus]'") from e
    p = Path(source)
    try:
        if p.is_file():
            kind = "csv" if p.suffix.lower() in (".csv", ".tsv") else "json"
            ds = datasets.load_dataset(kind, data_files=str(p), split="train")
        else:
            ds = datasets.load_dataset(source, split=split)
    except Exception as e:  # noqa: BLE001 - network, hub or format errors all end here
        raise CorpusError(f"{source}: cannot load with datasets ({type(e).__name__}: {e})") from e
    if column not in ds.column_names:
        raise CorpusError(f"{source}: no column {column!r}; columns are {ds.column_names}")
    for v in ds[column]:
        if v and str(v).strip():
            yield str(v)


def load_source(path: str, source: str = "auto", columns: Sequence[str] = ()) -> Iterator[str]:
    """Documents from one input, by ``source`` kind (see :data:`SOURCES`)."""
    name = Path(path).name.lower()
    if source == "auto":
        if columns:
            source = "table"
        elif "nsmc" in name or name.startswith("ratings"):
            source = "nsmc"
        elif "chatbot" in name:
            source = "chatbot"
        else:
            source = "text"
    if source == "text":
        return read_text_lines(path)
    if source == "table":
        if not columns:
            raise CorpusError(f"{path}: --column is needed for a table source")
        return read_table_columns(path, columns)
    if source == "nsmc":
        return load_nsmc(path)
    if source == "chatbot":
        return load_chatbot(path)
    if source == "naver-news":
        return load_naver_news(path)
    raise CorpusError(f"unknown source kind {source!r}; choose from {SOURCES}")


@dataclass
class CorpusReport:
    documents: int = 0
    sentences: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    replaced_chars: int = 0

    def summary(self) -> str:
        drops = ", ".join(f"{k} {v}" for k, v in sorted(self.dropped.items())) or "none"
        return (f"documents {self.documents}, sentences {self.sentences}, kept {self.kept}, dropped: {drops}"
                + (f"; characters replaced/removed: {self.replaced_chars}" if self.replaced_chars else ""))


class SentenceSplitter:
    """Korean sentence splitting with Kiwi (created once; costs ~1 s and some memory)."""

    def __init__(self) -> None:
        from kiwipiepy import Kiwi

        self.kiwi = Kiwi()

    def split(self, text: str) -> list[str]:
        return [s.text for s in self.kiwi.split_into_sents(text)]


def build_corpus(documents: Iterable[str], split: bool = True, min_chars: int = 2, max_chars: int = 100,
                 charset: Charset | None = None, outside: str = "drop", replacement: str = "",
                 report: CorpusReport | None = None) -> Iterator[str]:
    """Clean sentences: NFC, whitespace collapsed, length within bounds, charset policy, exact duplicates removed.

    Args:
        split: split each document into sentences with Kiwi.
        outside: for characters outside ``charset``: ``drop`` the sentence, or ``replace`` them with
            ``replacement`` (``""`` removes them).
        report: counts are added here (every sentence is either kept or counted under a drop reason).

    Raises:
        ValueError: an unknown ``outside`` policy.
    """
    if outside not in ("drop", "replace"):
        raise ValueError(f"outside must be 'drop' or 'replace', got {outside!r}")
    rep = report if report is not None else CorpusReport()
    splitter = SentenceSplitter() if split else None
    seen: set[str] = set()
    for doc in documents:
        rep.documents += 1
        doc = " ".join(nfc(doc).split())
        for sent in (splitter.split(doc) if splitter and doc else [doc]):
            rep.sentences += 1
            s = " ".join(sent.split())
            if charset is not None:
                bad = charset.missing(s)
                if bad:
                    if outside == "drop":
                        rep.dropped["outside charset"] += 1
                        continue
                    rep.replaced_chars += sum(s.count(b) for b in bad)
                    s = " ".join("".join(replacement if ch in bad else ch for ch in s).split())
            if len(s) < min_chars:
                rep.dropped["too short"] += 1
                continue
            if len(s) > max_chars:
                rep.dropped["too long"] += 1
                continue
            if s in seen:
                rep.dropped["duplicate"] += 1
                continue
            seen.add(s)
            rep.kept += 1
            yield s
