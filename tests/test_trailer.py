"""The signature's name and date columns, found from the ink when a scan moved them."""
import numpy as np

from ocr.trailer import _signature_columns

X0 = 1000  # page x where the mask starts


def _rows(blocks: list[tuple[int, int]], width: int = 1200) -> np.ndarray:
    mask = np.zeros((60, width), np.uint8)
    for left, right in blocks:
        mask[10:50, left - X0 : right - X0] = 255
    return mask


def test_columns_follow_a_shifted_scan():
    # name 1480-1905 in words, date 1930-2100, a rule's stub at the page edge
    mask = _rows([(1480, 1600), (1610, 1760), (1770, 1905), (1930, 1990), (1997, 2100), (2180, 2184)])
    name, date = _signature_columns(mask, X0, split=1949, reach=150, min_gap=6, max_gap=50)
    assert name == (1480, 1905) and date == (1930, 2100)


def test_without_a_gap_the_box_map_splits():
    name, date = _signature_columns(_rows([(1480, 2100)]), X0, split=1949, reach=150, min_gap=6, max_gap=50)
    assert name == (1480, 1949) and date == (1949, 2100)
