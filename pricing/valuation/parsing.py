"""Reading raw cells the same way in both implementations: numbers, codes, missing values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def is_missing(x: object) -> bool:
    """Tell whether a cell holds no value (None, NaN, pandas NA)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, float | np.floating):
        return math.isnan(x)
    return False


def parse_number(x: object) -> tuple[float | None, bool]:
    """Read a numeric cell: (value, False); (None, False) when missing; (None, True) when junk.

    Only real numbers count: text such as ``"1,200"`` and booleans are junk, never guessed at.
    """
    if is_missing(x):
        return None, False
    if isinstance(x, bool | np.bool_):
        return None, True
    if isinstance(x, int | float | np.integer | np.floating):
        return float(x), False
    return None, True


def parse_text(x: object, *, upper: bool = False) -> str | None:
    """Read a code cell: stripped and case-folded; None when missing or blank, "" when not text."""
    if is_missing(x):
        return None
    if not isinstance(x, str):
        return ""
    text = x.strip()
    if not text:
        return None
    return text.upper() if upper else text.lower()
