from korocr.layout.reading_order import reading_order


def test_two_columns_with_a_title():
    title = (50, 10, 550, 40)
    left = [(50, 60 + 30 * i, 280, 80 + 30 * i) for i in range(4)]
    right = [(320, 65 + 30 * i, 550, 85 + 30 * i) for i in range(4)]  # rows interleave with the left column
    boxes = [right[0], left[2], title, right[3], left[0], right[1], left[1], left[3], right[2]]
    order, blocks = reading_order(boxes)
    read = [boxes[i] for i in order]
    assert read == [title, *left, *right]
    assert len(blocks) == 3 and blocks[1].box == (50, 60, 280, 170)


def test_vertical_columns_right_to_left():
    cols = [(500 - 60 * i, 20, 540 - 60 * i, 400) for i in range(4)]  # the first column is the rightmost
    boxes = [cols[2], cols[0], cols[3], cols[1]]
    order, _ = reading_order(boxes, vertical=[True] * 4)
    assert [boxes[i] for i in order] == cols


def test_paragraph_gap_splits_blocks():
    boxes = [(10, 10, 300, 30), (10, 35, 300, 55), (10, 120, 300, 140)]
    order, blocks = reading_order(boxes)
    assert order == [0, 1, 2] and [b.lines for b in blocks] == [[0, 1], [2]]


def test_same_row_left_to_right():
    boxes = [(400, 10, 500, 30), (10, 12, 300, 32)]
    assert reading_order(boxes)[0] == [1, 0]


def test_receipt_items_and_prices_read_row_by_row():
    names = [(20, 40 * i, 180, 40 * i + 24) for i in range(6)]
    prices = [(400, 40 * i + 2, 470, 40 * i + 26) for i in range(6)]
    boxes = [*prices, *names]
    order, _ = reading_order(boxes)
    assert [boxes[i] for i in order] == [b for row in zip(names, prices) for b in row]


def _ruled_table():
    """A 3-column table of 3 rows whose cells hold one or two lines; gutters wide enough to look like columns."""
    rows, lines = [(100, 160), (160, 220), (220, 280)], []
    for r, (y0, y1) in enumerate(rows):
        for c, (x0, x1) in enumerate([(20, 300), (360, 700), (760, 900)]):
            n = 2 if (r + c) % 2 == 0 else 1
            for k in range(n):
                lines.append(((x0, y0 + 8 + 22 * k, x1, y0 + 26 + 22 * k), f"r{r}c{c}l{k}"))
    return rows, lines


def test_ruled_table_reads_row_by_row():
    rows, lines = _ruled_table()
    boxes = [b for b, _ in lines]
    unruled = [lines[i][1] for i in reading_order(boxes)[0]]
    assert unruled[:2] == ["r0c0l0", "r0c0l1"] and unruled[2] == "r1c0l0"  # without rules: column by column
    rules = [(float(y), 10.0, 910.0) for y in (100, 160, 220, 280)]
    order, blocks = reading_order(boxes, rules=rules)
    read = [lines[i][1] for i in order]
    assert read == [t for _, t in sorted(lines, key=lambda x: (x[1][1], x[1][3], x[1][5]))]
    assert read[:3] == ["r0c0l0", "r0c0l1", "r0c1l0"]
    short = [(170.0, 20.0, 300.0)]  # a rule under one cell only is not a row separator
    assert [lines[i][1] for i in reading_order(boxes, rules=short)[0]] == unruled


def test_horizontal_rules_are_found_and_text_is_not():
    import cv2
    import numpy as np

    from korocr.layout.rules import horizontal_rules

    img = np.full((300, 1000, 3), 255, np.uint8)
    for y in (50, 150, 250):
        cv2.line(img, (30, y), (970, y), (0, 0, 0), 2)
    cv2.line(img, (500, 40), (500, 260), (0, 0, 0), 2)  # a crossing column rule
    cv2.putText(img, "ABC text 123", (60, 110), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    rules = horizontal_rules(img)
    assert [round(y) for y, _, _ in rules] == [50, 150, 250]
    assert all(a <= 32 and b >= 968 for _, a, b in rules)
    dark = 255 - img  # light rules on a dark page
    assert [round(y) for y, _, _ in horizontal_rules(dark)] == [50, 150, 250]


def test_skewed_receipt_reads_row_by_row_once_deskewed():
    """A receipt scanned 3 degrees askew: each price box sits lower than its item (and level with the next
    item), so the boxes alone no longer pair up; found on the lines' corners, the skew turns them back."""
    import numpy as np

    from korocr.layout.reading_order import deskewed_boxes, page_skew

    names = [(20, 30 * i, 180, 30 * i + 20) for i in range(8)]
    prices = [(600, 30 * i, 680, 30 * i + 20) for i in range(8)]
    straight = [b for row in zip(names, prices) for b in row]
    t = np.radians(3.0)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    center = np.array([350.0, 120.0])
    quads = [(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float) - center) @ rot.T + center
             for x0, y0, x1, y1 in straight]
    assert page_skew(quads) == __import__("pytest").approx(3.0, abs=0.1)
    assert page_skew(quads[:2]) == 0.0  # too few lines to tell
    skewed = [(q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()) for q in quads]
    assert reading_order(skewed)[0] != list(range(16))
    order, _ = reading_order(deskewed_boxes(quads, page_skew(quads), tuple(center)))
    assert order == list(range(16))


def test_receipt_rows_with_a_quantity_column_read_row_by_row():
    """Item name, one-digit quantity, price: the widest gutter (names | quantities) does not look like table
    rows on its own (the names are long next to it), the quantities | prices one does; read row by row."""
    names = [(20, 40 * i, 180, 40 * i + 24) for i in range(6)]
    qty = [(300, 40 * i + 3, 312, 40 * i + 23) for i in range(6)]
    prices = [(400, 40 * i + 2, 460, 40 * i + 26) for i in range(6)]
    boxes = [*prices, *qty, *names]
    order, _ = reading_order(boxes)
    assert [boxes[i] for i in order] == [b for row in zip(names, qty, prices) for b in row]


def test_a_left_aligned_line_under_a_centred_header_comes_after_it():
    """A gap runs between the centred title/store name and the phone number under them, but the two sides share
    no row: it is not a column break."""
    title, store, phone = (240, 70, 325, 95), (220, 108, 340, 124), (60, 133, 158, 146)
    boxes = [phone, store, title]
    assert [boxes[i] for i in reading_order(boxes)[0]] == [title, store, phone]
