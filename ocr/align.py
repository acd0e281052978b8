"""Template alignment: ORB features, ratio-tested matches, a RANSAC transform, and its sanity checks.

ORB is rotation invariant, so the transform also recovers 90/180/270 degree turns and skew:
one warp puts the page upright in the template's frame. A transform that fails a check is an
``AlignmentError`` with the reason, never a silently warped page. Transforms are kept as 3x3
homography matrices so every stage composes and warps them the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .errors import AlignmentError

FEATURE_SCALE = 0.5  # features are found at half resolution: faster and steadier on noisy scans
N_FEATURES = 5000
RATIO = 0.8  # Lowe's ratio test
RANSAC_PX = 6.0  # reprojection threshold, full-resolution pixels

# Limits of a plausible scan of the template page.
MIN_INLIERS = 60
MIN_INLIER_RATIO = 0.1  # speckled photocopies give many unmatched features; 60 inliers still rule out chance
SCALE_RANGE = (0.6, 1.6)
MAX_ANISOTROPY = 0.08  # |sx/sy - 1| after removing rotation (fax resampling is normalized on load)
MAX_SHEAR = 0.06
MAX_PERSPECTIVE = 2e-4  # per pixel, full resolution
MAX_RMS_PX = 4.0


@dataclass(frozen=True)
class Features:
    points: np.ndarray  # (n, 2) float32 full-resolution coordinates
    descriptors: np.ndarray | None


@dataclass
class Alignment:
    """Homography from scan pixels to template pixels and the figures that vouch for it."""

    homography: np.ndarray
    inliers: int
    matches: int
    scale: float
    rotation: float  # degrees the scan is turned relative to the template
    rms: float  # inlier reprojection error, template pixels
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def quarter_turns(self) -> int:
        """Nearest multiple of 90 degrees in the rotation (0-3)."""
        return int(round(self.rotation / 90.0)) % 4

    @property
    def skew(self) -> float:
        """Rotation left after removing the quarter turns, degrees."""
        return float((self.rotation + 45.0) % 90.0 - 45.0)

    def quality(self) -> dict[str, float | int]:
        return {
            "inliers": self.inliers,
            "matches": self.matches,
            "scale": round(self.scale, 4),
            "rotation": round(self.rotation, 3),
            "rms_px": round(self.rms, 3),
        }


PAPER_SCALE = 0.1  # the paper's brightness is measured at a tenth of the resolution,
PAPER_MEDIAN = 21  # over this many pixels there (about 0.7 inch at 300 dpi): wider than any glyph


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """The page divided by its paper's brightness: a photocopy darkened toward one edge (rough
    19037) leaves ORB few features that match the template's, until its paper is even."""
    small = cv2.resize(gray, None, fx=PAPER_SCALE, fy=PAPER_SCALE, interpolation=cv2.INTER_AREA)
    paper = cv2.resize(cv2.medianBlur(small, PAPER_MEDIAN), (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, paper, scale=255)


def detect_features(gray: np.ndarray, mask: np.ndarray | None = None) -> Features:
    small = cv2.resize(gray, None, fx=FEATURE_SCALE, fy=FEATURE_SCALE, interpolation=cv2.INTER_AREA)
    if mask is not None:
        mask = cv2.resize(mask, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST)
    keypoints, descriptors = cv2.ORB_create(N_FEATURES).detectAndCompute(small, mask)
    points = np.float32([k.pt for k in keypoints]).reshape(-1, 2) / FEATURE_SCALE
    return Features(points, descriptors)


def match(template: Features, scan: Features) -> tuple[np.ndarray, np.ndarray]:
    """Ratio-tested matches as (scan points, template points)."""
    if template.descriptors is None or scan.descriptors is None or len(scan.points) < 2:
        return np.empty((0, 2), np.float32), np.empty((0, 2), np.float32)
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(template.descriptors, scan.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    scan_pts = scan.points[[m.trainIdx for m in good]]
    template_pts = template.points[[m.queryIdx for m in good]]
    return scan_pts.reshape(-1, 2), template_pts.reshape(-1, 2)


def decompose(h: np.ndarray) -> dict[str, float]:
    """Scale, rotation, anisotropy, shear and perspective of a homography's affine part."""
    a = h[:2, :2] / h[2, 2]
    # QR-like split: a = R(theta) @ [[sx, shear*sy], [0, sy]]
    sx = float(np.hypot(a[0, 0], a[1, 0]))
    theta = float(np.degrees(np.arctan2(a[1, 0], a[0, 0])))
    det = float(np.linalg.det(a))
    sy = det / sx if sx else 0.0
    shear = float((a[0, 0] * a[0, 1] + a[1, 0] * a[1, 1]) / (sx * sx)) if sx else 0.0
    return {
        "scale": float(np.sqrt(abs(det))),
        "rotation": -theta,  # template->scan turn is the inverse of scan->template
        "anisotropy": abs(sx / sy - 1.0) if sy > 0 else float("inf"),
        "shear": abs(shear),
        "perspective": float(np.abs(h[2, :2] / h[2, 2]).max()),
        "det": det,
    }


def estimate(scan: Features, template: Features) -> Alignment:
    """Similarity (rotation, scale, shift) scan -> template by RANSAC, checked.

    The EDGAR print reflows its header when Chromium shrinks a wide filing to fit the page,
    so words keep their shape but not their relative places: a full homography fitted to
    them overfits (measured: shear 0.19 on a clean render). A scanner moves paper rigidly,
    so the model is a similarity; ``refine_to_frame`` then fixes scale and shift from the
    ruled frame. Raises AlignmentError naming the failed check.
    """
    scan_pts, template_pts = match(template, scan)
    if len(scan_pts) < MIN_INLIERS:
        raise AlignmentError(f"only {len(scan_pts)} feature matches (need {MIN_INLIERS})")
    m, mask = cv2.estimateAffinePartial2D(
        scan_pts, template_pts, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX, maxIters=4000, confidence=0.999
    )
    if m is None:
        raise AlignmentError("no transform found")
    h = np.vstack([m, [0.0, 0.0, 1.0]])
    inl = mask.ravel().astype(bool)
    projected = cv2.perspectiveTransform(scan_pts[inl].reshape(-1, 1, 2), h).reshape(-1, 2)
    rms = float(np.sqrt(np.mean(np.sum((projected - template_pts[inl]) ** 2, axis=1)))) if inl.any() else np.inf
    parts = decompose(h)
    result = Alignment(h, int(inl.sum()), len(scan_pts), parts["scale"], parts["rotation"], rms)
    check(result, parts)
    return result


def check(result: Alignment, parts: dict[str, float]) -> None:
    """Raise AlignmentError when the transform is not a plausible scan of the template."""
    failures = []
    if result.inliers < MIN_INLIERS:
        failures.append(f"{result.inliers} inliers < {MIN_INLIERS}")
    if result.inliers < MIN_INLIER_RATIO * result.matches:
        failures.append(f"inlier ratio {result.inliers / result.matches:.2f} < {MIN_INLIER_RATIO}")
    if parts["det"] <= 0:
        failures.append("mirrored")
    if not SCALE_RANGE[0] <= parts["scale"] <= SCALE_RANGE[1]:
        failures.append(f"scale {parts['scale']:.2f} outside {SCALE_RANGE}")
    if parts["anisotropy"] > MAX_ANISOTROPY:
        failures.append(f"anisotropy {parts['anisotropy']:.3f} > {MAX_ANISOTROPY}")
    if parts["shear"] > MAX_SHEAR:
        failures.append(f"shear {parts['shear']:.3f} > {MAX_SHEAR}")
    if parts["perspective"] > MAX_PERSPECTIVE:
        failures.append(f"perspective {parts['perspective']:.2e} > {MAX_PERSPECTIVE}")
    if result.rms > MAX_RMS_PX:
        failures.append(f"reprojection error {result.rms:.2f} px > {MAX_RMS_PX}")
    if failures:
        raise AlignmentError("bad alignment: " + "; ".join(failures))


def _compose(alignment: Alignment, correction: np.ndarray, note: dict[str, str]) -> Alignment:
    h = correction @ alignment.homography
    parts = decompose(h)
    refined = Alignment(h, alignment.inliers, alignment.matches, parts["scale"], parts["rotation"], alignment.rms,
                        alignment.checks | note)
    check(refined, parts)
    return refined


def level(alignment: Alignment, angle: float, center: tuple[float, float]) -> Alignment:
    """Turn the warped page by ``angle`` degrees (the slope of its ruled lines, see
    ``locate.residual_angle``) so its rules run level."""
    turn = np.vstack([cv2.getRotationMatrix2D(center, angle, 1.0), [0.0, 0.0, 1.0]])
    return _compose(alignment, turn, {"rule_angle": f"{angle:.3f}"})


FRAME_EDGE_MATCH = 0.01  # of the frame's width: a found edge this near the template's after the feature fit is it
FRAME_EDGE_LOST = 0.1  # and one this far off, with the other edge matching, is an inner border (the scan lost the edge)


def fit_frame(alignment: Alignment, found: tuple[float, float, float], expected: tuple[float, float, float]) -> Alignment:
    """Scale and shift the level page so its ruled frame, (left, right, top), lands on the
    template's. A scan that cut off one side of the frame (rough 19012's left edge: box 1
    had no left border, and the frame found started at box 2) is only shifted, by the edge
    that is there: scaling it by the inner border made it 1.54 times too large."""
    (left, right, top), (t_left, t_right, t_top) = found, expected
    width = t_right - t_left
    offsets = abs(left - t_left) / width, abs(right - t_right) / width
    if min(offsets) <= FRAME_EDGE_MATCH and max(offsets) >= FRAME_EDGE_LOST:
        s, (x, t_x) = 1.0, ((left, t_left) if offsets[0] < offsets[1] else (right, t_right))
    else:
        s, (x, t_x) = width / (right - left), (left, t_left)
    correction = np.array([[s, 0.0, t_x - s * x], [0.0, s, t_top - s * top], [0.0, 0.0, 1.0]])
    return _compose(alignment, correction, {"frame_scale": f"{s:.4f}"})


def warp(gray: np.ndarray, alignment: Alignment, size: tuple[int, int]) -> np.ndarray:
    """The scan in template coordinates (width, height); outside the scan is white paper."""
    return cv2.warpPerspective(gray, alignment.homography, size, flags=cv2.INTER_LINEAR, borderValue=255)
