"""Domain text for synthetic lines: what Korean users photograph and scan beyond conversational text.

Names, addresses, companies, phone numbers, e-mails and URLs come from Faker's ``ko_KR`` provider; dates,
numbers, currency and place/language names from Babel (CLDR ``ko`` locale data); prices, receipt rows, list
bullets, quotes and brackets from small generators here. Faker and Babel are optional (``korocr[train]``); a
missing one only removes its kinds of text.
"""

from __future__ import annotations

import datetime as _dt
import random
from functools import lru_cache

QUOTES = (("“", "”"), ("‘", "’"), ("「", "」"), ("『", "』"), ("\"", "\""), ("'", "'"), ("(", ")"), ("[", "]"),
          ("《", "》"), ("〈", "〉"), ("【", "】"))
BULLETS = ("•", "·", "-", "※", "▶", "■", "□", "○", "●", "◆", "★", "☆", "①", "②", "③", "1.", "2)", "가.", "나)")
DASHES = ("-", "–", "—", "~", "∼", "～")
ITEMS = ("아메리카노", "카페라떼", "생수", "우유", "라면", "김밥", "삼각김밥", "바나나우유", "콜라", "사이다", "맥주",
         "소주", "과자", "빵", "호떡", "떡볶이", "순대", "치킨", "피자", "샌드위치", "커피", "녹차", "계란", "두부",
         "양파", "대파", "사과", "배", "귤", "쌀", "휴지", "세제", "치약", "칫솔", "건전지", "봉투")
RECEIPT_WORDS = ("합계", "합계금액", "결제금액", "부가세", "과세물품", "면세물품", "받을금액", "거스름돈", "카드", "현금",
                 "할인", "수량", "단가", "금액", "승인번호", "가맹점", "사업자번호", "대표자", "영수증", "포인트",
                 "매출일시", "품목", "공급가액", "카드번호", "할부", "일시불", "잔액", "총액", "소계", "배송비")


@lru_cache(maxsize=1)
def _faker():
    try:
        from faker import Faker
    except ImportError:
        return None
    return Faker("ko_KR")


@lru_cache(maxsize=1)
def _babel_names() -> tuple[list[str], list[str], list[str]]:
    try:
        from babel import Locale
    except ImportError:
        return [], [], []
    loc = Locale("ko")
    return (list(loc.territories.values()), list(loc.languages.values()),
            [v for v in loc.currencies.values()])


def _price(rng: random.Random) -> str:
    v = rng.choice((rng.randint(1, 99) * 100, rng.randint(1, 999) * 10, rng.randint(1, 9999) * 100,
                    rng.randint(1, 99999), rng.randint(1, 5000) * 1000))
    s = f"{v:,}" if rng.random() < 0.85 else str(v)
    r = rng.random()
    if r < 0.4:
        return s + "원"
    if r < 0.6:
        return "₩" + s
    if r < 0.7:
        return "₩ " + s
    if r < 0.8:
        return s + " 원"
    return s


def _date(rng: random.Random) -> str:
    d = _dt.date(2000, 1, 1) + _dt.timedelta(days=rng.randint(0, 12000))
    t = _dt.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
    try:
        from babel.dates import format_date, format_datetime, format_time
    except ImportError:
        return d.isoformat()
    r = rng.random()
    if r < 0.35:
        return format_date(d, rng.choice(("full", "long", "medium", "short")), locale="ko")
    if r < 0.5:
        return format_datetime(_dt.datetime.combine(d, t), rng.choice(("medium", "short")), locale="ko")
    if r < 0.6:
        return format_time(t, rng.choice(("medium", "short")), locale="ko")
    sep = rng.choice((".", "-", "/", ". "))
    out = f"{d.year}{sep}{d.month:02d}{sep}{d.day:02d}" if rng.random() < 0.7 else f"{d.year % 100:02d}{sep}{d.month}{sep}{d.day}"
    if rng.random() < 0.4:
        out += f" {t.hour:02d}:{t.minute:02d}" + (f":{t.second:02d}" if rng.random() < 0.5 else "")
    if rng.random() < 0.2:
        out += f" ({'월화수목금토일'[d.weekday()]})"
    return out


def _number(rng: random.Random) -> str:
    try:
        from babel.numbers import format_currency, format_decimal, format_percent
    except ImportError:
        return f"{rng.randint(0, 10 ** 7):,}"
    r = rng.random()
    if r < 0.4:
        return format_decimal(rng.uniform(0, 10 ** rng.randint(1, 8)), locale="ko")
    if r < 0.6:
        return format_percent(rng.uniform(0, 1.5), locale="ko")
    return format_currency(rng.randint(0, 10 ** 7), rng.choice(("KRW", "USD", "EUR", "JPY")), locale="ko")


def _number_list(rng: random.Random) -> str:
    """Numbers listed with ", " (scores, seat and page numbers, years), some with thousands separators: the
    gap after a list's comma is a space, the one after a thousands separator never is, and in a monospace face
    both look alike; a recogniser must tell them by width, not by whether digits follow."""
    n = rng.randint(2, 5)
    big = rng.random() < 0.4
    nums = [f"{rng.randint(1000, 99999):,}" if big and rng.random() < 0.6 else str(rng.randint(0, 999))
            for _ in range(n)]
    sep = rng.choice((", ", ", ", ", ", "· ", " / "))
    out = sep.join(nums)
    if rng.random() < 0.3 and n > 2:
        out = sep.join(nums[:-1]) + rng.choice((" 및 ", " 또는 ", "~")) + nums[-1]
    pre = rng.choice(("", "", "", "점수: ", "번호 ", "좌석 ", "p. ", "제", "연도: ", "정답 "))
    post = rng.choice(("", "", "", "번", "점", "쪽", "년", "명", "개", "원", "호"))
    return pre + out + post


def _times_row(rng: random.Random) -> str:
    """Quantity times unit price (and total), as receipts, invoices and order forms print it, with the spacing
    around ``x``/``×``/``*``/``@`` and ``=`` varied, the same on both sides. (Session 17 drew each side on its own;
    run 19, trained so, read more digit lines with a space lost on one side of ``=``: docs/benchmarks.md.)"""
    q = rng.randint(1, 99)
    unit = rng.randint(1, 999) * rng.choice((10, 100))
    op = rng.choice(("x", "x", "X", "×", "*", "@"))
    sp = rng.choice((" ", " ", ""))
    eq = rng.choice((" = ", " = ", "=", " → "))
    qty = f"{q}{rng.choice(('', '', '개', '병', 'EA', '팩'))}"
    out = f"{qty}{sp}{op}{sp}{unit:,}{rng.choice(('', '원'))}"
    if rng.random() < 0.7:
        out += f"{eq}{q * unit:,}{rng.choice(('', '', '원'))}"
    if rng.random() < 0.3:
        out = f"{rng.choice(ITEMS)} {out}"
    return out


def _receipt_row(rng: random.Random) -> str:
    """A receipt or order-form row: quantity × unit price (35 %; session 20, was 20 %: the spaces around ``x`` and
    ``=`` in thin faces were the commonest digit-line miss), an item with its figures, or a label with a price."""
    r = rng.random()
    if r < 0.35:
        return _times_row(rng)
    if r < 0.6:
        q = rng.randint(1, 12)
        unit = rng.randint(5, 300) * 100
        return f"{rng.choice(ITEMS)} {q} {unit:,} {q * unit:,}" if rng.random() < 0.6 else \
            f"{rng.choice(ITEMS)}{rng.choice(('', ' ', '  '))}{_price(rng)}"
    return f"{rng.choice(RECEIPT_WORDS)}{rng.choice((' ', ' : ', ': ', '  '))}{_price(rng)}"


def domain_text(rng: random.Random) -> str:
    """One short piece of domain text (a name, an address, a price, a date, a receipt row, ...)."""
    fk = _faker()
    if fk is not None:
        fk.seed_instance(rng.getrandbits(32))
    r = rng.random()
    if r < 0.30 and fk is not None:
        kind = rng.choice(("name", "address", "company", "phone_number", "email", "url", "job", "city",
                           "street_address", "postcode", "catch_phrase", "bs", "ssn", "license_plate",
                           "building_name", "user_name", "ipv4", "credit_card_number"))
        try:
            s = str(getattr(fk, kind)())
        except AttributeError:
            s = fk.name()
    elif r < 0.40:
        s = _price(rng)
    elif r < 0.50:
        s = _date(rng)
    elif r < 0.55:
        s = _number(rng)
    elif r < 0.60:
        s = _number_list(rng)
    elif r < 0.74:
        s = _receipt_row(rng)
    elif r < 0.82:
        names = [x for x in _babel_names()[rng.randrange(3)]] or list(ITEMS)
        s = rng.choice(names)
    elif r < 0.90:
        a, b = rng.choice(QUOTES)
        inner = rng.choice(ITEMS + RECEIPT_WORDS) if fk is None else fk.catch_phrase()
        s = a + inner + b
    else:
        s = rng.choice(BULLETS) + " " + (rng.choice(RECEIPT_WORDS) if fk is None else fk.bs())
    if rng.random() < 0.08:
        s = s.replace("-", rng.choice(DASHES))
    if rng.random() < 0.1:
        s = s.lower() if rng.random() < 0.5 else s
    return " ".join(s.split())


HANJA_PARTICLES = ("", "", "", "의", "은", "는", "을", "를", "이", "에", "과", "와", "로", "에서", "하다", "한", "적")
HANJA_NUMBERED = ("年", "月", "日", "時", "分", "第", "條", "項", "號", "回", "個", "名", "萬", "億", "元", "金")


def _hanja_word(rng: random.Random, n: int | None = None) -> tuple[str, str]:
    """A random compound of 1-4 basic Hanja and its Hangul reading (first reading of each character)."""
    from ..text.charsets import hanja_readings

    table = hanja_readings()
    chars = rng.choices(list(table), k=n or rng.choice((1, 2, 2, 2, 3, 4)))
    return "".join(chars), "".join(table[c] for c in chars)


def hanja_text(rng: random.Random, korean: str = "") -> str:
    """Korean text with Hanja mixed in the ways print mixes them: ``reading(漢字)`` after a word, Hanja words
    with particles in place of Korean words, headline-style Hanja runs and numbered forms (``2024年 3月``,
    ``第3條``). With ``korean`` (a corpus sentence) the Hanja go inside it, so lines keep the corpus's length and
    word spacing; without it the forms stand alone. Characters come from the 1,800 basic Hanja; compounds are
    random, so the text teaches shapes, not vocabulary."""
    toks = korean.split()
    r = rng.random()
    if r < 0.3:
        h, reading = _hanja_word(rng, rng.choice((2, 2, 3, 4)))
        s = f"{reading}({h})" if rng.random() < 0.8 else f"{h}({reading})"
        if toks:
            toks.insert(rng.randint(0, len(toks)), s + rng.choice(HANJA_PARTICLES))
            return " ".join(toks)
        return s
    if r < 0.75 and toks:
        for _ in range(rng.randint(1, max(1, len(toks) // 3))):
            i = rng.randrange(len(toks))
            toks[i] = _hanja_word(rng)[0] + rng.choice(HANJA_PARTICLES)
        return " ".join(toks)
    if r < 0.88:
        head = " ".join(_hanja_word(rng)[0] for _ in range(rng.randint(1, 3)))
    else:
        k = rng.random()
        if k < 0.4:
            head = f"{rng.randint(1900, 2030)}年 {rng.randint(1, 12)}月 {rng.randint(1, 31)}日"
        elif k < 0.7:
            head = f"第{rng.randint(1, 120)}{rng.choice(('條', '項', '號', '回', '章'))}" + \
                (f" {_hanja_word(rng)[0]}" if rng.random() < 0.5 else "")
        else:
            head = f"{rng.choice(('金', '一金'))} {rng.randint(1, 999) * 1000:,}{rng.choice(('원', '元', '圓', ''))}"
    if toks:  # a headline or dated line: the form, then the sentence
        return f"{head} {' '.join(toks[:rng.randint(1, len(toks))])}"
    return head
