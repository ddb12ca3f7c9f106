"""统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters, the last
a check character computed from the first 17 with weights 3^i mod 31."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AUTHORITIES = "123456789ANY"
"""登记管理部门码, the first character: 1 机构编制 … 9 市场监督管理 (工商),
A 中央军委改革和编制办公室, N 农业, Y 其他 (GB 32100-2015 表1)."""
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """Return the check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Return why ``code`` is not a valid credit code, or ``None`` when it is valid."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        return f"contains characters not allowed in a credit code: {''.join(bad)}"
    if code[0] not in AUTHORITIES:
        return (
            f"first character {code[0]!r} names no registration authority (登记管理部门码:"
            " 1–9, A, N or Y)"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, should be {expected!r}"
    return None


def make_credit_code(body17: str) -> str:
    """Append the check character to a 17-character body (for synthetic data)."""
    return body17 + check_character(body17)
