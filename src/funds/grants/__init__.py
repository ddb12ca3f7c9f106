"""Funds, budgets, recipients, enterprises, awards and their whole life on the ledger.

Each service takes a session, does one operation and flushes; the edge commits. Every
refusal raises before anything is written, so a refused request changes nothing.
"""

from funds.grants.awards import StagePlan, approve_release, grant_award, request_release
from funds.grants.corrections import reverse_entry
from funds.grants.lifecycle import (
    Consequence,
    apply_deadlines,
    record_assessment,
    record_recovery,
    record_rectification,
    record_report,
    review_recognition,
    terminate,
)
from funds.grants.queries import (
    AwardStatement,
    FundYearExecution,
    award_statement,
    enterprise_receipts,
    fund_year_execution,
    recipient_summary,
)
from funds.grants.records import add_enterprise, add_fund, add_recipient, set_budget
from funds.grants.usage import record_pass_through, record_spending

__all__ = [
    "AwardStatement",
    "Consequence",
    "FundYearExecution",
    "StagePlan",
    "add_enterprise",
    "add_fund",
    "add_recipient",
    "apply_deadlines",
    "approve_release",
    "award_statement",
    "enterprise_receipts",
    "fund_year_execution",
    "grant_award",
    "recipient_summary",
    "record_assessment",
    "record_pass_through",
    "record_recovery",
    "record_rectification",
    "record_report",
    "record_spending",
    "request_release",
    "reverse_entry",
    "review_recognition",
    "set_budget",
    "terminate",
]
