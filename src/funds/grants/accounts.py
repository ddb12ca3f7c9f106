"""The chart of accounts of the grants ledger.

Per fund ``F``, year ``Y``, award ``A``, stage ``N``, enterprise ``E``::

    fund:F:Y:budget              annual appropriation's source (never positive)
    fund:F:Y:available           budget not yet committed
    fund:F:Y:committed:A:N       stage N of award A, promised and unpaid
    award:A:held                 paid to the recipient, not yet used
    award:A:passed:E             passed on to enterprise E (by credit code)
    award:A:spent:P              spent by the recipient itself on purpose P
    award:A:receivable           to be recovered after exit or revocation
    award:A:clawback             counterpart of the receivable (never positive)
    award:A:recovered            repaid to the province
    award:A:written_off          given up, with a reason

Budget: budget → available. Grant: available → committed (one entry, one leg per stage).
Release: committed → held. Pass-through: held → passed. Own use: held → spent.
Cancel or forfeit a stage: committed → available of the stage's year. Exit with recovery:
clawback → receivable; repayment: receivable → recovered; write-off: receivable →
written_off. Balance rules make overdrafts impossible at the ledger itself.
"""

from __future__ import annotations

import hashlib

from funds.driver_sql import DriverStatement
from funds.ledger import AccountKind, BalanceRule, Ledger


def budget(fund: str, year: int) -> str:
    """The source account of a fund-year's appropriation."""
    return f"fund:{fund}:{year}:budget"


def available(fund: str, year: int) -> str:
    """A fund-year's uncommitted budget."""
    return f"fund:{fund}:{year}:available"


def committed(fund: str, year: int, award: str, seq: int) -> str:
    """A stage's unpaid commitment, under its fund-year."""
    return f"fund:{fund}:{year}:committed:{award}:{seq}"


def held(award: str) -> str:
    """Money paid to the recipient and not yet passed on or spent."""
    return f"award:{award}:held"


def passed(award: str, credit_code: str) -> str:
    """Money passed on to one enterprise."""
    return f"award:{award}:passed:{credit_code}"


def spent(award: str, purpose: str) -> str:
    """Money the recipient spent itself on one purpose (purpose names hashed to a short key)."""
    return f"award:{award}:spent:{purpose_key(purpose)}"


def purpose_key(purpose: str) -> str:
    """A short stable key for a purpose name."""
    return hashlib.sha256(purpose.encode()).hexdigest()[:12]


def receivable(award: str) -> str:
    """Money to be recovered from the recipient."""
    return f"award:{award}:receivable"


def clawback(award: str) -> str:
    """The counterpart of a raised receivable."""
    return f"award:{award}:clawback"


def recovered(award: str) -> str:
    """Money repaid by the recipient."""
    return f"award:{award}:recovered"


def written_off(award: str) -> str:
    """Receivable given up, with a reason."""
    return f"award:{award}:written_off"


_RULES: dict[str, tuple[AccountKind, BalanceRule]] = {
    "budget": (AccountKind.EQUITY, BalanceRule.NON_POSITIVE),
    "available": (AccountKind.ASSET, BalanceRule.NON_NEGATIVE),
    "committed": (AccountKind.ASSET, BalanceRule.NON_NEGATIVE),
    "held": (AccountKind.ASSET, BalanceRule.NON_NEGATIVE),
    "passed": (AccountKind.EXPENSE, BalanceRule.NON_NEGATIVE),
    "spent": (AccountKind.EXPENSE, BalanceRule.NON_NEGATIVE),
    "receivable": (AccountKind.ASSET, BalanceRule.NON_NEGATIVE),
    "clawback": (AccountKind.INCOME, BalanceRule.NON_POSITIVE),
    "recovered": (AccountKind.ASSET, BalanceRule.NON_NEGATIVE),
    "written_off": (AccountKind.EXPENSE, BalanceRule.NON_NEGATIVE),
}


def _kind_and_rule(code: str) -> tuple[AccountKind, BalanceRule]:
    parts = code.split(":")
    return _RULES[parts[3] if parts[0] == "fund" else parts[2]]


_ACCOUNT = DriverStatement("SELECT id, kind, rule FROM ledger_account WHERE code = ?")


def open_account(ledger: Ledger, code: str, name: str = "") -> int:
    """Open ``code`` with the kind and rule its place in the chart gives; return its id.

    Most calls find the account open already (every pass-through to an enterprise paid
    before): that look-up is one statement on the driver's cursor (:mod:`funds.driver_sql`).
    A new account, or one of another kind or rule (the ledger refuses it), goes through
    :meth:`Ledger.open_account`.
    """
    kind, rule = _kind_and_rule(code)
    found = _ACCOUNT.first(ledger.session, (code,))
    if found is not None and (found[1], found[2]) == (str(kind), str(rule)):
        return int(found[0])
    return ledger.open_account(code, kind, rule, name)


def open_accounts(ledger: Ledger, codes: list[str]) -> None:
    """Open several accounts of the chart in one go (existing ones are left as they are)."""
    ledger.open_accounts([(code, *_kind_and_rule(code), "") for code in codes])
