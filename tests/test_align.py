import numpy as np
import pytest

from ocr.align import Alignment, fit_frame


def unaligned() -> Alignment:
    return Alignment(np.eye(3), inliers=300, matches=600, scale=1.0, rotation=0.0, rms=1.0)


def test_the_frame_scales_and_shifts_the_page():
    fitted = fit_frame(unaligned(), (140.0, 2420.0, 800.0), (145.0, 2405.0, 809.0))
    s = 2260 / 2280
    assert fitted.scale == pytest.approx(s)
    assert fitted.homography[0, 2] == pytest.approx(145 - s * 140)
    assert fitted.homography[1, 2] == pytest.approx(809 - s * 800)


def test_a_frame_whose_left_edge_the_scan_cut_off_only_shifts_the_page():
    """Rough 19012: box 1 lost its left border, so the frame found starts at box 2 (933)
    while its right edge is where the template's is."""
    fitted = fit_frame(unaligned(), (933.0, 2402.0, 805.0), (145.0, 2405.0, 809.0))
    assert fitted.scale == pytest.approx(1.0)
    assert fitted.homography[0, 2] == pytest.approx(3.0)
    assert fitted.homography[1, 2] == pytest.approx(4.0)
