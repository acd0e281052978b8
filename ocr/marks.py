"""Checkboxes and X marks from ink density, decided against the empty boxes on the same page.

A fixed darkness threshold is what makes mark readers call every box marked (or none) on a
darker or noisier scan; here the threshold comes from the gap between the page's own marked
and unmarked boxes, with a floor from a clean print for pages where every box is alike.
"""
from __future__ import annotations

import numpy as np


MIN_GAP = 0.03  # a gap in sorted densities smaller than this is noise, not marked vs empty
FLOOR = 0.06  # lowest density that can be a mark (an X covers ~8-20% of its box interior; specks reach 0.05)
CEILING = 0.10  # a box this dense is marked whatever the rest of the page looks like


def threshold(densities: list[float]) -> float:
    """Middle of the first gap, from the emptiest box up, that is wide enough and ends at a
    density that can be a mark: the boxes below it are the page's empty ones. (The widest gap
    may lie between marks: a small X at 0.10 and a bold one at 0.28.)"""
    d = np.sort(np.asarray(densities, dtype=float))
    for i, gap in enumerate(np.diff(d)):
        if gap >= MIN_GAP and d[i + 1] >= FLOOR:
            return float(np.clip((d[i] + d[i + 1]) / 2, FLOOR, CEILING))
    return (FLOOR + CEILING) / 2


def decide(densities: list[float]) -> list[tuple[bool, float]]:
    """(marked, confidence 0-1) per box; confidence grows with the distance from the threshold."""
    t = threshold(densities)
    spread = max(t - 0.0, 0.02)
    out = []
    for d in densities:
        margin = abs(d - t) / spread
        out.append((d > t, float(min(1.0, 0.5 + margin / 2))))
    return out
