"""Font discovery for synthetic rendering.

Fonts come from fontconfig (``fc-list :lang=ko``), from the usual font folders when ``fc-list`` is absent,
and from PyPI font packages (``koreanize-matplotlib``: NanumGothic; ``pylopdf-fonts-ko``: Noto Sans/Serif KR).
Each font records the characters its cmap covers so text is only rendered with a font that has every glyph
(a missing glyph would draw a box under a correct-looking label).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.fonts"),
             os.path.expanduser("~/.local/share/fonts"), "/Library/Fonts", "C:/Windows/Fonts")
PYPI_FONT_PACKAGES = ("koreanize_matplotlib", "pylopdf_fonts_ko")


@dataclass(frozen=True)
class FontSpec:
    """One face: a file and the face index inside it (TTC collections hold several faces)."""

    path: str
    index: int = 0
    name: str = ""

    @property
    def key(self) -> str:
        """A stable identifier: file stem, plus ``#index`` for collections."""
        stem = Path(self.path).stem
        return f"{stem}#{self.index}" if self.path.lower().endswith((".ttc", ".otc")) else stem


@dataclass
class Font:
    spec: FontSpec
    coverage: frozenset[str] = field(repr=False)
    number_face: bool = False  # a Latin monospace face drawn only for number lines (see :func:`number_fonts`)

    def covers(self, text: str) -> bool:
        return all(ch in self.coverage or ch == " " for ch in text)

    @property
    def monospace(self) -> bool:
        """A fixed-width face, by its file or family name (NanumGothicCoding, D2Coding, Noto Sans Mono CJK KR,
        which is face 6 of Debian's ``NotoSansCJK-*.ttc`` collections and known only by its family name)."""
        key = f"{self.spec.key} {self.spec.name}".lower()
        return self.number_face or "coding" in key or "mono" in key


def number_fonts(paths: Sequence[str], exclude: Sequence[str] = ()) -> list[Font]:
    """Latin monospace faces (e.g. Roboto Mono, JetBrains Mono, VT323) for number lines alone: prices, phone
    numbers, dates and quantities as receipts, terminals and price tags print them, where a comma or a period
    stands in a cell as wide as a digit and the gap after it is not a space. They hold no Hangul, so the line
    renderer draws with them only texts they cover, and only in its monospace branch
    (:meth:`korocr.synth.render.LineRenderer.pick_font`).

    Args:
        paths: font files or folders (every face found is taken to be fixed-width: pass monospace faces only).
        exclude: glob patterns on the font key to drop.

    Returns:
        Fonts with ``number_face`` set, sorted by key; broken files are skipped.

    Raises:
        KorocrError: a path does not exist.
    """
    from ..errors import KorocrError

    specs: list[FontSpec] = []
    for p in paths:
        if not os.path.exists(p):
            raise KorocrError(f"{p}: no such font file or folder")
        specs += _scan_dirs([p]) if os.path.isdir(p) else [FontSpec(p)]
    out: dict[str, Font] = {}
    for s in specs:
        if any(fnmatch.fnmatch(s.key, pat) for pat in exclude) or s.key in out:
            continue
        try:
            cov = _coverage(s.path, s.index)
        except Exception:  # noqa: BLE001 - broken font file: skip it
            continue
        if all(ch in cov for ch in "0123456789,.-"):
            out[s.key] = Font(s, cov, number_face=True)
    return [out[k] for k in sorted(out)]


def _fc_list() -> list[FontSpec]:
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=ko", "--format", "%{file}|%{index}|%{family[0]} %{style[0]}\n"],
                             capture_output=True, text=True, timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    specs = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].lower().endswith(FONT_SUFFIXES):
            specs.append(FontSpec(parts[0], int(parts[1] or 0), parts[2].strip()))
    return specs


def _scan_dirs(dirs: Iterable[str]) -> list[FontSpec]:
    specs = []
    for d in dirs:
        if os.path.isdir(d):
            for root, _, files in os.walk(d):
                specs += [FontSpec(os.path.join(root, f)) for f in files if f.lower().endswith(FONT_SUFFIXES)]
    return specs


def _pypi_fonts() -> list[FontSpec]:
    specs = []
    for pkg in PYPI_FONT_PACKAGES:
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            continue
        specs += _scan_dirs(spec.submodule_search_locations)
    return specs


def _korean_face_of_collection(path: str) -> list[FontSpec]:
    """For a CJK collection, keep the Korean face (e.g. "Noto Sans CJK KR") rather than all regions."""
    from fontTools.ttLib import TTCollection

    try:
        coll = TTCollection(path, lazy=True)
    except Exception:  # noqa: BLE001 - unreadable collection: skip it
        return []
    out, names = [], []
    for i, face in enumerate(coll.fonts):
        name = face["name"].getDebugName(4) or ""
        names.append(name)
        if " KR" in name or "Korean" in name or "Kor" in name:
            out.append(FontSpec(path, i, name))
    if not out and not any(r in n for n in names for r in (" JP", " SC", " TC", " HK")):
        # a Korean-only collection (e.g. D2Coding): every face, minus ligature variants; coverage decides
        out = [FontSpec(path, i, n) for i, n in enumerate(names) if "ligature" not in n.lower()]
    return out


@lru_cache(maxsize=None)
def _coverage(path: str, index: int) -> frozenset[str]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    cmap = font.getBestCmap() or {}
    return frozenset(chr(c) for c in cmap)


def discover_fonts(
    extra: Sequence[str] = (),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    min_hangul: int = 2350,
    system: bool = True,
) -> list[Font]:
    """Find Korean-capable fonts.

    Args:
        extra: more font files or folders to add.
        include: glob patterns on the font key (file stem, e.g. ``"Nanum*"``); when given, only matches are kept.
        exclude: glob patterns on the font key to drop (e.g. held-out evaluation fonts).
        min_hangul: keep fonts whose cmap holds at least this many KS X 1001 syllables.
        system: also look at fontconfig / the system font folders and the PyPI font packages.

    Returns:
        Fonts sorted by key, one per face, duplicates (same file name) removed.
    """
    from ..text.charsets import ksx1001_hangul

    specs: list[FontSpec] = []
    if system:
        specs += _fc_list() or _scan_dirs(FONT_DIRS)
        specs += _pypi_fonts()
    for e in extra:
        specs += _scan_dirs([e]) if os.path.isdir(e) else [FontSpec(e)]

    expanded: list[FontSpec] = []
    for s in specs:
        if s.path.lower().endswith((".ttc", ".otc")) and s.index == 0 and not s.name:
            expanded += _korean_face_of_collection(s.path)
        else:
            expanded.append(s)

    ks = set(ksx1001_hangul())
    fonts: dict[str, Font] = {}
    for s in expanded:
        if (s.path.lower().endswith((".ttc", ".otc")) and s.name and " KR" not in s.name and "Korean" not in s.name
                and any(r in s.name for r in (" JP", " SC", " TC", " HK"))):
            continue  # other regions of a CJK collection (JP/SC/TC/HK) draw Hangul the same; keep one
        if include and not any(fnmatch.fnmatch(s.key, p) for p in include):
            continue
        if any(fnmatch.fnmatch(s.key, p) for p in exclude):
            continue
        dedup = Path(s.path).name + f"#{s.index}"
        if dedup in fonts:
            continue
        try:
            cov = _coverage(s.path, s.index)
        except Exception:  # noqa: BLE001 - broken font file: skip it
            continue
        if len(ks & cov) >= min_hangul:
            fonts[dedup] = Font(s, cov)
    return sorted(fonts.values(), key=lambda f: f.spec.key)
