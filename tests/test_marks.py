"""Mark decisions come from the page's own boxes, not from one fixed darkness."""
from ocr.marks import decide


def test_the_one_marked_box_among_empty_ones():
    assert [m for m, _ in decide([0.003, 0.12, 0.004, 0.0, 0.002])] == [False, True, False, False, False]


def test_a_dark_noisy_page_does_not_mark_every_box():
    # speckle lifts every empty box; the X still stands apart by the gap
    assert [m for m, _ in decide([0.035, 0.04, 0.16, 0.038])] == [False, False, True, False]


def test_a_page_of_empty_boxes_marks_none():
    assert not any(m for m, _ in decide([0.004, 0.006, 0.002, 0.005]))


def test_confidence_grows_with_the_distance_from_the_threshold():
    (_, near), (_, far) = decide([0.0, 0.07])[1], decide([0.0, 0.2])[1]
    assert 0.5 <= near < far <= 1.0


def test_marks_of_different_weights_are_all_marks():
    # a small X (0.099) and a bold one (0.284) on one page (fresh filing 7045): the widest gap
    # lies between the marks, the empty boxes are below the first gap
    densities = [0.0, 0.284, 0.0, 0.0, 0.0, 0.099, 0.133, 0.0]
    assert [m for m, _ in decide(densities)] == [False, True, False, False, False, True, True, False]


def test_a_speckled_empty_box_below_the_marks_stays_empty():
    # rough tuning filing 1027: specks fill 5% of an empty box, the marks 14-15%
    assert [m for m, _ in decide([0.0, 0.05, 0.149, 0.0, 0.147, 0.0, 0.142, 0.0])] == [
        False, False, True, False, True, False, True, False]
