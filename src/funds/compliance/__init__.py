"""Compliance: the rule catalogue, the nightly scan, the alert store and webhook delivery.

The design in one paragraph. :mod:`~funds.compliance.snapshot` reads everything the rules
need as of a date with one bulk query per table into plain frozen dataclasses; the rules
(:mod:`~funds.compliance.rules_money`, :mod:`~funds.compliance.rules_lifecycle`,
:mod:`~funds.compliance.rules_anomaly`) are pure functions of that snapshot returning
:class:`~funds.compliance.findings.Finding` objects, each with a stable key
(``rule:subject``); :mod:`~funds.compliance.registry` lists them with their citations and
runs them all, never stopping at the first finding. :mod:`~funds.compliance.scanner` keeps
the alert store (:mod:`~funds.compliance.models`) in step with the findings (open, update,
resolve, reopen, each with history), skips the work when a fingerprint of the inputs shows
nothing changed, and writes alert changes to an outbox that
:mod:`~funds.compliance.webhook` delivers, signed and retried, on this scan or the next.
"""

from funds.compliance.alerts import (
    AlertFilter,
    acknowledge,
    get_alert,
    history,
    list_alerts,
    set_rule_mode,
)
from funds.compliance.findings import Finding, Rule, Severity
from funds.compliance.registry import RULES, Evaluation, evaluate, rule_by_id
from funds.compliance.scanner import ScanResult, scan
from funds.compliance.snapshot import Snapshot, load_snapshot
from funds.compliance.webhook import DeliveryReport, WebhookConfig, deliver_pending

__all__ = [
    "RULES",
    "AlertFilter",
    "DeliveryReport",
    "Evaluation",
    "Finding",
    "Rule",
    "ScanResult",
    "Severity",
    "Snapshot",
    "WebhookConfig",
    "acknowledge",
    "deliver_pending",
    "evaluate",
    "get_alert",
    "history",
    "list_alerts",
    "load_snapshot",
    "rule_by_id",
    "scan",
    "set_rule_mode",
]
