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
