"""Anomalies in pass-through: not breaches of a sentence, but patterns an auditor asks about.

Each function is pure: a snapshot in, findings out.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from funds.compliance.findings import Finding, Severity, award_finding, percent
from funds.compliance.snapshot import Snapshot, UseView
from funds.money import format_yuan

DUPLICATE_WINDOW_DAYS = 30


def duplicate_payment(snapshot: Snapshot) -> list[Finding]:
    """The same enterprise paid the same amount twice within 30 days under one award."""
    found = []
    for award in snapshot.awards:
        groups: dict[tuple[str, int], list[UseView]] = defaultdict(list)
        for use in award.uses.repeats:  # a payment without a twin cannot be a duplicate
            if use.enterprise is not None:
                groups[use.enterprise, use.amount].append(use)
        for (enterprise, amount), uses in sorted(groups.items()):
            days = sorted(u.effective_date for u in uses)
            close = [(a, b) for a, b in pairwise(days) if (b - a).days <= DUPLICATE_WINDOW_DAYS]
            if not close:
                continue
            pairs = "、".join(f"{a} 与 {b}" for a, b in close)
            found.append(
                award_finding(
                    "duplicate-payment",
                    award,
                    Severity.YELLOW,
                    f"{award.code}: {_name(snapshot, enterprise)}（{enterprise}）于 {pairs}"
                    f" 收到同额 {format_yuan(amount)} 元 / the same amount paid again within"
                    f" {DUPLICATE_WINDOW_DAYS} days",
                    "核对凭证，如属重复下达则冲正 / check the vouchers; reverse a duplicate",
                    part=f":{enterprise}:{amount}",
                    amounts={"amount": amount},  # money only (分): the dates are in the message
                )
            )
    return found


def concentrated_pass_through(snapshot: Snapshot) -> list[Finding]:
    """One enterprise receives more than half of an award's pass-through."""
    found = []
    for award in snapshot.awards:
        totals = award.uses.by_enterprise
        whole = sum(totals.values())
        for enterprise, amount in sorted(totals.items()):
            if amount * 2 > whole:
                found.append(
                    award_finding(
                        "concentrated-pass-through",
                        award,
                        Severity.YELLOW,
                        f"{award.code}: {_name(snapshot, enterprise)}（{enterprise}）收到"
                        f" {format_yuan(amount)} 元，占下达企业总额 {format_yuan(whole)} 元 的"
                        f" {percent(amount, whole)} / one enterprise holds more than half of"
                        " the pass-through",
                        "核实资金分配依据是否公开、合规 / check the allocation was open and"
                        " justified",
                        part=f":{enterprise}",
                        amounts={"enterprise": amount, "pass_through": whole},
                    )
                )
    return found


def pass_through_outside_city(snapshot: Snapshot) -> list[Finding]:
    """Pass-through to an enterprise registered outside the recipient's city."""
    found = []
    for award in snapshot.awards:
        for enterprise, amount in sorted(award.uses.by_enterprise.items()):
            known = snapshot.enterprises.get(enterprise)
            if known is None or known.city == award.city:
                continue
            found.append(
                award_finding(
                    "pass-through-outside-city",
                    award,
                    Severity.YELLOW,
                    f"{award.code}（{award.city}）: 向{known.city}的 {known.name} 下达"
                    f" {format_yuan(amount)} 元 / pass-through to an enterprise outside the"
                    " recipient's city",
                    "核实该企业在本地是否有实际项目 / check the enterprise has a project locally",
                    part=f":{enterprise}",
                    amounts={"amount": amount},
                )
            )
    return found


def _name(snapshot: Snapshot, credit_code: str) -> str:
    known = snapshot.enterprises.get(credit_code)
    return known.name if known else credit_code
