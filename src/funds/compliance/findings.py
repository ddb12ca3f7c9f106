"""What a rule is and what it returns: severities, rules with their citations, findings.

A :class:`Rule` carries its id, titles in Chinese and English, default severity, the
programmes it applies to and the clause of :data:`funds.policy.CLAUSES` it enforces
(``None`` for the bookkeeping rules, which no policy text states because double entry
implies them). Its ``check`` is a pure function of a :class:`~funds.compliance.snapshot.Snapshot`
returning :class:`Finding` objects; each finding may carry its own severity (the 80 % rule is
red when the breach has happened and orange when it is coming).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from funds.policy import CLAUSES, Programme, rules_for

if TYPE_CHECKING:
    from funds.compliance.snapshot import AwardView, Snapshot


class Severity(StrEnum):
    """How urgent a finding is."""

    RED = "red"  # a breach now
    ORANGE = "orange"  # a breach is certain, or a deadline is near
    YELLOW = "yellow"  # a risk worth a look

    @property
    def rank(self) -> int:
        """0 for red, 1 for orange, 2 for yellow (sorts the worst first)."""
        return _RANKS[self]

    @property
    def label(self) -> str:
        """The severity in the officers' words."""
        return {"red": "红色(已违规)", "orange": "橙色(即将违规)", "yellow": "黄色(风险)"}[self]


_RANKS = {Severity.RED: 0, Severity.ORANGE: 1, Severity.YELLOW: 2}


@dataclass(frozen=True)
class Finding:
    """One thing a rule found about one subject, with the amounts behind it (分)."""

    rule: str
    subject: str
    severity: Severity
    message: str
    action: str
    amounts: Mapping[str, int] = field(default_factory=dict)
    award: str = ""
    programme: str = ""
    city: str = ""
    recipient: str = ""
    warning_only: bool = False

    @property
    def key(self) -> str:
        """The stable key an alert is stored under: ``rule:subject``."""
        return f"{self.rule}:{self.subject}"

    @property
    def breach(self) -> bool:
        """True for a red finding of a rule that is not in warning-only mode."""
        return self.severity is Severity.RED and not self.warning_only


Check = Callable[["Snapshot"], list[Finding]]
_PROGRAMME_VALUES = frozenset(p.value for p in Programme)


@dataclass(frozen=True)
class Rule:
    """A compliance rule: metadata for people and a pure check for the machine."""

    id: str
    title_zh: str
    title_en: str
    severity: Severity
    programmes: tuple[Programme, ...]
    clause: str | None
    check: Check
    warning_only: bool = False
    """Ship a new rule in warning-only mode; officers can switch it (``funds alerts mode``)."""
    programme_clause: str | None = None
    """The rule's name in each programme's ``ProgrammeRules.clauses`` (``"gate"``, ``"exit"``):
    a finding about an award cites its own programme's clause there, and :attr:`clause`
    where the programme has none."""

    def cite(self) -> str:
        """The clause as shown to officers, or ``bookkeeping`` for the double-entry rules."""
        return CLAUSES[self.clause].cite() if self.clause else "bookkeeping (DOMAIN.md)"

    def cites(self) -> dict[str, str]:
        """Each programme of the rule → the clause its findings cite, as shown to officers."""
        return {
            p.value: CLAUSES[key].cite() if (key := self.clause_for(p.value)) else "bookkeeping"
            for p in self.programmes
        }

    def clause_for(self, programme: str) -> str | None:
        """The key in :data:`CLAUSES` that a finding about a ``programme`` award cites."""
        if self.programme_clause and programme in _PROGRAMME_VALUES:
            own = rules_for(programme).clauses.get(self.programme_clause)
            if own:
                return own
        return self.clause


def award_finding(
    rule: str,
    award: AwardView,
    severity: Severity,
    message: str,
    action: str,
    *,
    part: str = "",
    amounts: Mapping[str, int] | None = None,
) -> Finding:
    """A finding about ``award`` (subject: its code, plus ``part`` such as ``#2`` or ``:2026``)."""
    return Finding(
        rule=rule,
        subject=f"{award.code}{part}",
        severity=severity,
        message=message,
        action=action,
        amounts=dict(amounts or {}),
        award=award.code,
        programme=award.programme,
        city=award.city,
        recipient=award.recipient,
    )


def percent(part: int, whole: int) -> str:
    """``part / whole`` as a percentage with one decimal, rounded down (no floats)."""
    if whole == 0:
        return "0.0 %"
    tenths = part * 1000 // whole
    return f"{tenths // 10}.{tenths % 10} %"
