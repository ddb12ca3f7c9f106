"""The rule catalogue and the registry that runs it.

:data:`RULES` lists every rule once, with its titles, default severity, programmes and the
clause it enforces. :func:`evaluate` runs them all over one snapshot and returns every
finding, never stopping at the first (the shape of beancount's ``ops/validation.py``): a rule
that raises does not hide the others, it becomes a red ``rule-failed`` finding of its own.
A rule in warning-only mode still reports, each finding marked ``warning_only``, but its
findings do not count as breaches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from funds.compliance import rules_anomaly, rules_lifecycle, rules_money
from funds.compliance.findings import Finding, Rule, Severity
from funds.compliance.snapshot import Snapshot
from funds.policy import CLAUSES, Programme

ALL = tuple(Programme)
ZONE = (Programme.SERVICE_ZONE,)
ADV = (Programme.ADVANCED_CLUSTER,)
COUNTY = (Programme.COUNTY_CLUSTER,)
R, OR, Y = Severity.RED, Severity.ORANGE, Severity.YELLOW

RULES: tuple[Rule, ...] = (
    Rule("pass-through-80", "下达企业资金不低于80%", "Pass-through at least 80 % of money received",
         R, ZONE, "zone-pass-through", rules_money.pass_through_80),
    Rule("stage-without-gate", "未达拨付条件即拨付", "Stage paid without its gate",
         R, ALL, "adv-annual-assessment", rules_lifecycle.stage_without_gate,
         programme_clause="gate"),
    Rule("paid-after-exit", "退出或撤销后仍拨付", "Stage paid to an exited or revoked recipient",
         R, ALL, "zone-exit-recovery", rules_lifecycle.paid_after_exit,
         programme_clause="exit"),
    Rule("rectification-due", "整改期限临近或逾期未复评", "Rectification due or overdue",
         OR, ZONE, "zone-rectification", rules_lifecycle.rectification_due),
    Rule("assessment-missing", "年度考核结果缺失", "Assessment missing after its deadline",
         R, ALL, "zone-grades", rules_lifecycle.assessment_missing,
         programme_clause="grades"),
    Rule("consecutive-failures", "连续两年考核未通过未处理",
         "Two consecutive failed cluster assessments not acted on",
         R, ADV, "adv-revocation", rules_lifecycle.consecutive_failures),
    Rule("zone-quarterly-report", "季度进展报告到期或逾期", "Quarterly zone report due or overdue",
         OR, ZONE, "zone-quarterly-report", rules_lifecycle.zone_quarterly_report),
    Rule("county-annual-report", "县域集群年度报告(3月30日)到期或逾期",
         "County cluster annual report (30 March) due or overdue",
         OR, COUNTY, "county-annual-report", rules_lifecycle.county_annual_report),
    Rule("county-recognition-expiry", "县域集群认定90天内到期",
         "County recognition expiring within 90 days",
         OR, COUNTY, "county-validity", rules_lifecycle.county_recognition_expiry),
    Rule("fund-year-budget", "年度拨付或承诺超出预算",
         "Fund-year payments or commitments above its budget",
         R, ALL, "budget-limit", rules_money.fund_year_budget,
         programme_clause="budget"),
    Rule("paid-above-awarded", "拨付超过奖补总额", "Paid above the amount awarded",
         R, ALL, None, rules_money.paid_above_awarded),
    Rule("used-above-received", "下达与自用超过到位资金", "Passed on plus spent above money held",
         R, ALL, None, rules_money.used_above_received),
    Rule("recovered-above-due", "收回超过应收", "Recovered above what is due",
         R, ALL, None, rules_money.recovered_above_due),
    Rule("recovery-overdue", "应收回资金逾期未收回", "Recovery outstanding past its due date",
         R, ALL, "zone-exit-recovery", rules_money.recovery_overdue,
         programme_clause="exit"),
    Rule("zone-stage-after-validity", "分期计划超出导则有效期(2027-12-31)",
         "Zone stage planned after 2027-12-31",
         R, ZONE, "zone-validity", rules_lifecycle.zone_stage_after_validity),
    Rule("duplicate-payment", "30天内向同一企业重复下达相同金额",
         "Same enterprise paid the same amount twice within 30 days",
         Y, ALL, None, rules_anomaly.duplicate_payment),
    Rule("concentrated-pass-through", "单一企业获得过半下达资金",
         "One enterprise receives more than half of an award's pass-through",
         Y, ALL, None, rules_anomaly.concentrated_pass_through),
    Rule("pass-through-outside-city", "向受补主体所在市以外企业下达",
         "Pass-through to an enterprise outside the recipient's city",
         Y, ALL, None, rules_anomaly.pass_through_outside_city),
)  # fmt: skip

RULE_IDS = frozenset(rule.id for rule in RULES)


def rule_by_id(rule_id: str) -> Rule:
    """Return the rule ``rule_id``; raise KeyError naming the known ids otherwise."""
    for rule in RULES:
        if rule.id == rule_id:
            return rule
    raise KeyError(f"no rule {rule_id!r}; known: {', '.join(sorted(RULE_IDS))}")


@dataclass(frozen=True)
class Evaluation:
    """Every finding of one run of the registry, worst first."""

    as_of_iso: str
    findings: tuple[Finding, ...]

    @property
    def breaches(self) -> int:
        """Red findings that count (warning-only rules excluded)."""
        return sum(1 for f in self.findings if f.breach)


def evaluate(
    snapshot: Snapshot,
    *,
    rules: Iterable[Rule] = RULES,
    warning_only: Iterable[str] = (),
) -> Evaluation:
    """Run every rule over ``snapshot`` and return all findings (never stops at the first)."""
    switched = frozenset(warning_only)
    found: list[Finding] = []
    for rule in rules:
        try:
            results = rule.check(snapshot)
        except Exception as error:  # a broken rule must not hide the others' findings
            results = [_failure(rule, error)]
        quiet = rule.warning_only or rule.id in switched
        found += [replace(f, warning_only=True) if quiet else f for f in results]
    found.sort(key=lambda f: (f.severity.rank, f.rule, f.subject))
    unique = {f.key: f for f in reversed(found)}  # one finding per key: the worst one
    return Evaluation(snapshot.as_of.isoformat(), tuple(f for f in found if unique[f.key] is f))


def _failure(rule: Rule, error: Exception) -> Finding:
    return Finding(
        rule="rule-failed",
        subject=rule.id,
        severity=Severity.RED,
        message=f"规则 {rule.id} 运行出错 / rule {rule.id} failed: {type(error).__name__}: {error}",
        action="通知系统维护人员 / tell the engine's maintainers",
    )


def _short(key: str | None) -> str:
    clause = CLAUSES[key] if key else None
    return f"{clause.source} {clause.article} (`{clause.file}`)" if clause else "bookkeeping"


def catalogue_markdown() -> str:
    """The rule catalogue as a Markdown table (``docs/compliance.md`` embeds it verbatim)."""
    lines = [
        "| id | 规则 | rule | severity | programmes | clause |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        programmes = ", ".join(p.value for p in rule.programmes)
        cites = {p.value: _short(rule.clause_for(p.value)) for p in rule.programmes}
        if len(set(cites.values())) == 1:
            cited = next(iter(cites.values()))
        else:  # each programme's own clause (Rule.programme_clause)
            cited = "; ".join(f"{programme}: {text}" for programme, text in cites.items())
        lines.append(
            f"| `{rule.id}` | {rule.title_zh} | {rule.title_en} | {rule.severity.value}"
            f" | {programmes} | {cited} |"
        )
    return "\n".join(lines) + "\n"
