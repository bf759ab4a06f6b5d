"""Write korocr's list of the 1,800 basic Hanja taught in Korean schools (한문 교육용 기초 한자, 2000 revision).

Source: the Unicode Han Database (Unihan), field ``kHangul``, whose source tag ``E`` marks exactly the characters of
that list (Unihan documentation, UAX #38). Debian ships Unihan in the ``unicode-data`` package
(``apt-get install unicode-data``; Unicode License v3). Each output line is the character, a tab and its first
Hangul reading (``kHangul``), in code-point order:

    python scripts/build_hanja_list.py                      # writes src/korocr/text/data/hanja_basic.tsv
    python scripts/build_hanja_list.py --unihan DIR --out FILE

Raises SystemExit with the file it could not find or the count it did not get (it must be 1,800).
"""

from __future__ import annotations

import argparse
import bz2
import sys
import unicodedata
import zipfile
from pathlib import Path


def read_readings(unihan: Path) -> str:
    for name in ("Unihan_Readings.txt.bz2", "Unihan_Readings.txt"):
        p = unihan / name
        if p.is_file():
            return bz2.open(p, "rt", encoding="utf-8").read() if p.suffix == ".bz2" else p.read_text("utf-8")
    z = unihan / "Unihan.zip"
    if z.is_file():
        return zipfile.ZipFile(z).read("Unihan_Readings.txt").decode("utf-8")
    raise SystemExit(f"{unihan}: no Unihan_Readings.txt(.bz2) or Unihan.zip (apt-get install unicode-data)")


def basic_hanja(readings: str) -> list[tuple[str, str]]:
    """(character, first Hangul reading) of every character whose ``kHangul`` has source ``E``."""
    out = []
    for line in readings.splitlines():
        if line.startswith("#") or "\tkHangul\t" not in line:
            continue
        cp, _, value = line.split("\t")
        entries = [v.split(":") for v in value.split()]
        edu = [r for r, *src in entries if src and "E" in src[0]]
        if edu:
            out.append((chr(int(cp[2:], 16)), unicodedata.normalize("NFC", edu[0])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unihan", type=Path, default=Path("/usr/share/unicode"))
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[1] / "src/korocr/text/data/hanja_basic.tsv")
    args = ap.parse_args()
    rows = basic_hanja(read_readings(args.unihan))
    if len(rows) != 1800:
        sys.exit(f"{args.unihan}: found {len(rows)} characters with kHangul source E, expected 1,800")
    header = ("# 한문 교육용 기초 한자 (1,800): character<TAB>Hangul reading. From Unihan kHangul (source E), "
              "Unicode License v3;\n# written by scripts/build_hanja_list.py\n")
    args.out.write_text(header + "".join(f"{c}\t{r}\n" for c, r in rows), encoding="utf-8")
    print(f"{args.out}: {len(rows)} characters")


if __name__ == "__main__":
    main()
