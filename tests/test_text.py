import json
import random
import unicodedata

import pytest

from korocr.text import (Charset, ascii_printable, compat_jamo, compose, decompose, hangul_syllables,
                         korean_symbols, ksx1001_hangul, to_jamo)


def test_charset_class_sizes():
    assert len(hangul_syllables()) == 11172
    assert len(set(hangul_syllables())) == 11172
    ks = ksx1001_hangul()
    assert len(ks) == 2350
    assert set(ks) <= set(hangul_syllables())
    assert "가" in ks and "똠" not in ks  # 똠 is the classic syllable missing from KS X 1001
    assert len(compat_jamo()) == 51 and compat_jamo()[0] == "ㄱ" and compat_jamo()[-1] == "ㅣ"
    assert len(ascii_printable()) == 94 and " " not in ascii_printable()


def test_symbols_are_data_and_nfc():
    syms = korean_symbols()
    for s in "₩·…①②→※「」":
        assert s in syms
    assert all(unicodedata.normalize("NFC", s) == s for s in syms)
    assert len(set(syms)) == len(syms)


def test_default_charset_covers_all_classes():
    cs = Charset.default()
    assert len(cs) == 1 + 94 + len(korean_symbols()) + 51 + 11172
    assert cs.num_classes == len(cs) + 1
    for ch in " A9₩ㄱ똠힣":
        assert ch in cs


def test_encode_decode_roundtrip_with_nfc():
    cs = Charset.default()
    decomposed = unicodedata.normalize("NFD", "한국어 OCR ₩1,000")
    ids = cs.encode(decomposed)
    assert min(ids) >= 1
    assert cs.decode(ids) == "한국어 OCR ₩1,000"
    with pytest.raises(KeyError, match="U\\+4E2D"):
        cs.encode("中")


def test_from_text_keeps_base_order(tmp_path):
    base = Charset(list("가나"))
    grown = Charset.from_text(["다가", "라"], base=base)
    assert grown.chars == list("가나다라")
    p = tmp_path / "cs.json"
    grown.save(p)
    assert json.loads(p.read_text(encoding="utf-8")) == list("가나다라")
    assert Charset.load(p).chars == grown.chars
    t = tmp_path / "cs.txt"
    t.write_text("가\n나\n", encoding="utf-8")
    assert Charset.load(t).chars == ["가", "나"]


def test_jamo_roundtrip_all_syllables():
    for ch in hangul_syllables():
        assert compose(*decompose(ch)) == ch
    assert decompose("한") == ("ㅎ", "ㅏ", "ㄴ")
    assert decompose("가") == ("ㄱ", "ㅏ", "")
    assert to_jamo("한글 A") == "ㅎㅏㄴㄱㅡㄹ A"
    with pytest.raises(ValueError):
        decompose("A")


def test_basic_hanja_list_and_charset():
    from korocr.text.charsets import basic_hanja, hanja_readings

    h = basic_hanja()
    assert len(h) == 1800 and len(set(h)) == 1800
    assert all(unicodedata.normalize("NFC", c) == c and unicodedata.name(c).startswith("CJK") for c in h)
    table = hanja_readings()
    assert table["學"] == "학" and table["國"] == "국" and table["一"] == "일"
    cs = Charset.resolve("default-jamo-hanja")
    base = Charset.resolve("default-jamo")
    assert cs.chars[: len(base)] == base.chars  # a head grown from default-jamo keeps its rows
    assert len(cs) == len(base) + 1800
    text = "대한민국(大韓民國) 第3條"
    assert not cs.missing(text) and base.missing(text) == set("大韓民國第條")
    assert cs.decode(cs.encode(text)) == text


def test_hanja_text_uses_basic_hanja_and_readings():
    import random

    from korocr.synth.domains import hanja_text
    from korocr.synth.text import TextSampler
    from korocr.text.charsets import hanja_readings

    table = hanja_readings()
    rng = random.Random(3)
    outs = [hanja_text(rng, "오늘 본 영화 정말 좋았다") for _ in range(300)]
    hanja = [c for s in outs for c in s if unicodedata.name(c, "").startswith("CJK")]
    assert len(hanja) > 300 and set(hanja) <= set(table)
    # "reading(漢字)" pairs spell the reading of each character
    import re

    pairs = [m for s in outs for m in re.finditer(r"(\S+)\(([^()]+)\)", s)]
    assert len(pairs) > 30
    for m in pairs:
        outer, inner = m.group(1), m.group(2)
        if all(c in table for c in inner):
            assert outer.endswith("".join(table[c] for c in inner))
    # with a sentence, the Hanja go inside it: its words (and so its spacing) stay
    korean = "오늘 본 영화 정말 좋았다 다음에 또 보고 싶다"
    outs = [hanja_text(rng, korean) for _ in range(300)]
    assert all(len(s.split()) >= 2 for s in outs)
    assert sum(s.count(" ") for s in outs) / sum(len(s) for s in outs) > 0.12
    # the sixth sampler source draws Hanja only when the charset has them
    with_h = TextSampler(corpus=["가나 다라 마바"], charset=Charset.resolve("default-jamo-hanja"), max_chars=30,
                         weights=(0, 0, 0, 0, 0, 1))
    without = TextSampler(corpus=["가나 다라 마바"], charset=Charset.resolve("default-jamo"), max_chars=30,
                          weights=(0, 0, 0, 0, 0, 1))
    r = random.Random(0)
    assert any(any("\u4e00" <= c <= "\u9fff" for c in with_h.sample(r)) for _ in range(20))
    assert not any(any("\u4e00" <= c <= "\u9fff" for c in without.sample(r)) for _ in range(20))


def test_monospace_faces_are_known_by_file_or_family_name():
    from korocr.synth.fonts import Font, FontSpec
    from korocr.synth.render import LineRenderer

    digits = frozenset("0123456789,원₩ ")
    mono = Font(FontSpec("/x/NotoSansCJK-Bold.ttc", 6, "Noto Sans Mono CJK KR Bold"), digits)  # a face of a TTC
    coding = Font(FontSpec("/x/NanumGothicCoding.ttf", 0, ""), digits)
    plain = Font(FontSpec("/x/NotoSansCJK-Bold.ttc", 1, "Noto Sans CJK KR Bold"), digits)
    assert mono.monospace and coding.monospace and not plain.monospace
    r = LineRenderer([plain, mono])
    picks = [r.pick_font("₩44,410", random.Random(i)).spec.index for i in range(300)]
    assert 0.5 < picks.count(6) / len(picks) < 0.8  # a third monospace, plus half of the rest


def test_number_faces_draw_only_number_lines_they_cover(korean_font, tmp_path):
    from korocr.errors import KorocrError
    from korocr.synth.fonts import Font, FontSpec, number_fonts
    from korocr.synth.render import LineRenderer

    # number_fonts() loads any face covering digits and marks it; a Korean face stands in for a Latin mono one
    faces = number_fonts([korean_font.spec.path])
    assert len(faces) == 1 and faces[0].number_face and faces[0].monospace
    assert number_fonts([korean_font.spec.path], exclude=[faces[0].spec.key]) == []
    with pytest.raises(KorocrError, match="no-such-dir"):
        number_fonts([str(tmp_path / "no-such-dir")])
    latin = Font(FontSpec("/x/RobotoMono.ttf"), frozenset("0123456789,.-x= abc"), number_face=True)
    korean = Font(FontSpec("/x/NanumGothic.ttf"), frozenset("0123456789,.-x= abc원가"))
    r = LineRenderer([korean, latin])
    picks = [r.pick_font("44,410", random.Random(i)).number_face for i in range(300)]
    assert 0.2 < sum(picks) / len(picks) < 0.45  # the monospace branch, one line in three
    assert not any(r.pick_font("44,410원", random.Random(i)).number_face for i in range(100))  # not covered
    assert not any(r.pick_font("abc abc", random.Random(i)).number_face for i in range(100))  # not a number line


def test_domain_texts_list_numbers_with_spaced_commas_beside_thousands_separators():
    import random
    import re

    from korocr.synth.domains import _number_list, domain_text

    rng = random.Random(7)
    lists = [_number_list(rng) for _ in range(300)]
    assert sum(", " in t for t in lists) > 100  # the list comma, followed by a space
    assert sum(bool(re.search(r"\d,\d{3}", t)) and ", " in t for t in lists) > 20  # both in one line
    assert not any(re.search(r"\d,\d{1,2}(?!\d)", t) for t in lists)  # never a comma without a space in a list
    texts = [domain_text(rng) for _ in range(2000)]
    assert 40 < sum(bool(re.fullmatch(r"\D{0,6}\d[\d,]*(, |· | / )\d.*", t)) for t in texts) < 200  # ~5 %


def test_respace_redraws_only_spaces_between_hangul_syllables():
    from korocr.synth.text import TextSampler, respace

    text = "실행 취소 기능과 충돌을 Ctrl + Alt 키 3,980원"
    rng = random.Random(3)
    outs = [respace(text, rng) for _ in range(200)]
    # same characters, only spaces moved
    assert all(o.replace(" ", "") == text.replace(" ", "") for o in outs)
    # spaces beside Latin, digits and symbols stay where they are
    assert all("Ctrl + Alt 키 3,980원" in o for o in outs)
    # both directions happen: a syllable-syllable space dropped, a space put inside a word
    assert any("실행취소" in o for o in outs) and any("실 행" in o or "기 능" in o for o in outs)
    assert respace(text, random.Random(0), drop=0.0, insert=0.0) == text
    # respace_prob 0 draws exactly the texts (and random stream) it drew before; 1 changes some
    plain = TextSampler(corpus=[text] * 3, words=["사과나무"], max_chars=40)
    spaced = TextSampler(corpus=[text] * 3, words=["사과나무"], max_chars=40, respace_prob=1.0)
    a = [plain.sample(random.Random(i)) for i in range(50)]
    b = [spaced.sample(random.Random(i)) for i in range(50)]
    assert a == [TextSampler(corpus=[text] * 3, words=["사과나무"], max_chars=40).sample(random.Random(i))
                 for i in range(50)]
    assert a != b
