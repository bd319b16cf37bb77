"""Unified social credit code (统一社会信用代码), GB 32100-2015 check digit."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31


def check_char(first17: str) -> str:
    """The 18th character for the first 17 (which must use the code alphabet)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str | None) -> bool:
    """True for an 18-character code with a correct GB 32100-2015 check digit."""
    if not code or len(code) != 18:
        return False
    code = code.upper()
    if any(ch not in ALPHABET for ch in code):
        return False
    return check_char(code[:17]) == code[17]
