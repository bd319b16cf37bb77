"""Exact placement on band edges and thresholds, without slowing the common case.

Values are computed in binary floating point, which is fast and fine for display, but a
value exactly on a band edge (a debt ratio of 70,579.07 / 83,034.20 = 85%) can come out a
hair above or below it. So a value is placed by its float only when the float is clearly
away from every edge; within ``NEAR`` of one, the value is recomputed as a ``Fraction``
from the figures as written (amounts in whole fen, sheet figures as the decimal the sheet
shows) and placed by exact comparison. The float path is the same comparisons as before;
only values near an edge pay for the exact one.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache

Exact = Callable[[], Fraction]

# Far wider than any float rounding of these figures (about 1e-15 relative), far narrower
# than the distance between two different values written to the fen.
NEAR = 1e-9


@lru_cache(maxsize=4096)  # the policy's factors and edges, asked for every customer
def written(x: float) -> Fraction:
    """The decimal a sheet shows for a number read from it (15 significant digits, as Excel
    keeps), as an exact fraction: 70579.07 -> 7057907/100, not the nearest binary number."""
    return Fraction(format(x, ".15g"))


def fen(x: float) -> int:
    """Whole fen of an amount the engine summed in fen (exact below 2**53 fen)."""
    return round(x * 100)


def near(x: float, edge: float) -> bool:
    return abs(x - edge) <= NEAR * max(1.0, abs(edge))


def below(value: float, exact: Exact | None, threshold: float) -> bool:
    """``value < threshold``, decided exactly when the two are close."""
    if exact is not None and near(value, threshold):
        return exact() < written(threshold)
    return value < threshold


WAN_FEN = 1_000_000  # fen in one 万元: financial figures (万元) count to the fen, as amounts do


def wan_fen(x: float) -> int:
    """A figure in 万元 as whole fen (12,345.678901 万元 -> 12,345,678,901)."""
    return round(x * WAN_FEN)


def ratio_parts(num: float | None, den: float | None) -> tuple[int, int] | None:
    """num / den (万元 figures) as whole fen over whole fen with the denominator >= 0; x / 0 for
    x > 0 is (1, 0), infinite; None where the ratio has no value (a figure missing, 0 / 0)."""
    if num is None or den is None or (den == 0 and num <= 0):
        return None
    if den == 0:
        return 1, 0
    return (wan_fen(num), wan_fen(den)) if den > 0 else (-wan_fen(num), wan_fen(-den))

