"""Plain-data views of the query results, for JSON (CLI ``--json``, API, exports).

Amounts travel as decimal strings of 元 (``"5000000.00"``) so that no consumer ever sees a
float; ratios travel as exact percentages with two decimals.
"""

from __future__ import annotations

from dataclasses import asdict
from fractions import Fraction
from typing import Any

from funds.grants.queries import AwardStatement, FundYearExecution, Receipt, RecipientSummary
from funds.money import to_yuan_string

AMOUNT_FIELDS = (
    "amount",
    "committed",
    "paid",
    "held",
    "passed_on",
    "spent",
    "receivable",
    "recoverable",
    "recovered",
    "written_off",
)


def percent_text(ratio: Fraction) -> str:
    """Format an exact ratio as a percentage with two decimals, rounded down (never flattering)."""
    hundredths = ratio.numerator * 10_000 // ratio.denominator
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def statement_view(statement: AwardStatement) -> dict[str, Any]:
    """Return an award statement as JSON-ready data."""
    data = asdict(statement)
    for name in AMOUNT_FIELDS:
        data[name] = to_yuan_string(data[name])
    data["pass_through_percent"] = percent_text(statement.pass_through_ratio)
    for stage in data["stages"]:
        stage["amount"] = to_yuan_string(stage["amount"])
    for line in data["enterprises"] + data["purposes"]:
        line["amount"] = to_yuan_string(line["amount"])
    if data["county"] is not None:
        data["county"]["revenue"] = to_yuan_string(data["county"]["revenue"])
    return data


def execution_view(execution: FundYearExecution) -> dict[str, Any]:
    """Return a fund-year execution as JSON-ready data."""
    data = asdict(execution)
    for name in ("budget", "committed", "paid", "available", "recovered", "cancelled"):
        data[name] = to_yuan_string(data[name])
    return data


def recipient_view(summary: RecipientSummary) -> dict[str, Any]:
    """Return a recipient summary as JSON-ready data."""
    data = {k: v for k, v in asdict(summary).items() if k != "awards"}
    data["awards"] = [statement_view(s) for s in summary.awards]
    return data


def receipt_view(receipt: Receipt) -> dict[str, Any]:
    """Return one enterprise receipt as JSON-ready data."""
    data = asdict(receipt)
    data["amount"] = to_yuan_string(receipt.amount)
    return data
