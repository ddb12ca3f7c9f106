"""``funds alerts ...``: scan the books against every rule, list, show and acknowledge alerts.

``funds alerts scan`` exits 0 when no red alert is open, 1 when red alerts are open (rules in
warning-only mode do not count), and with the usual error codes (2 invalid input, ...) when
it is refused; a scheduler reads ``--json``. A scan as of today (``FUNDS_TODAY`` overrides
the date, for drills and tests) records alerts and delivers webhook events; a scan as of any
other date is a replay that changes no alert.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

from funds.actors import actor_name
from funds.cli.common import console, database, emit_json, parse_date, table, unit_of_work
from funds.clock import today
from funds.compliance import (
    RULES,
    AlertFilter,
    Finding,
    WebhookConfig,
    acknowledge,
    deliver_pending,
    get_alert,
    history,
    list_alerts,
    scan,
    set_rule_mode,
)
from funds.compliance.alerts import deliveries, rule_modes
from funds.compliance.models import Alert
from funds.compliance.webhook import DeliveryReport
from funds.money import to_yuan_string

app = typer.Typer(help="Compliance rules and the alerts they raise.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
EXIT_CLEAN, EXIT_RED = 0, 1


@app.command("scan")
def scan_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Replay as of this date.")] = None,
    full: Annotated[bool, typer.Option("--full", help="Evaluate even if nothing changed.")] = False,
    actor: Annotated[str, typer.Option("--by", help="Who runs the scan.")] = "scheduler",
    json_output: JsonFlag = False,
) -> None:
    """Evaluate every rule; exit 1 when red alerts are open, 0 otherwise."""
    now = today()
    day = parse_date(as_of, "--as-of") or now
    record = day == now
    config = WebhookConfig.from_env()
    with unit_of_work(json_output=json_output) as session:
        result = scan(
            session,
            as_of=day,
            record=record,
            enqueue=config is not None,
            actor=actor_name(actor, "--by"),
            force=full,
        )
    report = _deliver(config) if record and config is not None else None
    if json_output:
        emit_json(
            {
                "as_of": day,
                "recorded": result.recorded,
                "reused": result.reused,
                "scan": result.scan_id,
                "elapsed_ms": result.elapsed_ms,
                "counts": result.counts,
                "breaches": result.breaches,
                "opened": result.opened,
                "reopened": result.reopened,
                "changed": result.changed,
                "resolved": result.resolved,
                "webhook": None if report is None else report.__dict__,
                "findings": [_finding_json(f) for f in result.findings],
                "exit_code": EXIT_RED if result.breaches else EXIT_CLEAN,
            }
        )
    else:
        _print_scan(result.findings, day, record)
        console.print(
            f"{'recorded' if record else 'replay'} as of {day}: {result.counts};"
            f" opened {result.opened + result.reopened}, resolved {result.resolved}"
            + (" (nothing changed since the last scan)" if result.reused else "")
        )
        if report is not None:
            console.print(
                f"webhook: {report.delivered} delivered, {report.pending} pending"
                + (f" ({report.error})" if report.error else "")
            )
    if result.breaches:
        raise typer.Exit(EXIT_RED)


def _deliver(config: WebhookConfig) -> DeliveryReport:
    with database().unit_of_work() as session:
        return deliver_pending(session, config)


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "key": f.key,
        "rule": f.rule,
        "severity": f.severity.value,
        "warning_only": f.warning_only,
        "breach": f.breach,
        "subject": f.subject,
        "award": f.award,
        "programme": f.programme,
        "city": f.city,
        "recipient": f.recipient,
        "message": f.message,
        "action": f.action,
        "amounts": {k: to_yuan_string(v) for k, v in f.amounts.items()},
    }


def _print_scan(findings: tuple[Finding, ...], day: date, record: bool) -> None:
    rows = [
        (
            f.severity.value + (" (warning-only)" if f.warning_only else ""),
            f.key,
            f.city,
            f.message,
        )
        for f in findings
    ]
    title = f"findings as of {day}" + ("" if record else " (replay: alerts unchanged)")
    table(title, ["severity", "key", "city", "message"], rows)


@app.command("list")
def list_command(
    severity: Annotated[str | None, typer.Option(help="red, orange or yellow.")] = None,
    programme: Annotated[str | None, typer.Option(help="Programme id.")] = None,
    city: Annotated[str | None, typer.Option(help="City, e.g. 合肥市.")] = None,
    recipient: Annotated[str | None, typer.Option(help="Recipient code.")] = None,
    rule: Annotated[str | None, typer.Option(help="Rule id.")] = None,
    state: Annotated[
        str, typer.Option(help="open, acknowledged, resolved, active (default) or all.")
    ] = "active",
    json_output: JsonFlag = False,
) -> None:
    """List stored alerts, worst first."""
    filters = AlertFilter(severity, programme, city, recipient, rule, state)
    with unit_of_work(json_output=json_output, readonly=True) as session:
        bodies = [alert_json(a) for a in list_alerts(session, filters)]
    if json_output:
        emit_json(bodies)
        return
    table(
        f"alerts ({state})",
        ["#", "severity", "state", "key", "city", "last seen", "message"],
        [
            (
                a["id"],
                a["severity"] + (" (warning-only)" if a["warning_only"] else ""),
                a["state"],
                a["key"],
                a["city"],
                a["last_seen_as_of"],
                a["message"],
            )
            for a in bodies
        ],
    )


def alert_json(a: Alert) -> dict[str, Any]:
    """An alert as plain JSON (amounts as 元 decimal strings)."""
    return {
        "id": a.id,
        "key": a.key,
        "rule": a.rule,
        "subject": a.subject,
        "severity": a.severity,
        "warning_only": a.warning_only,
        "state": a.state,
        "programme": a.programme,
        "city": a.city,
        "recipient": a.recipient,
        "award": a.award,
        "message": a.message,
        "action": a.action,
        "clause": a.clause,
        "amounts": {k: to_yuan_string(v) for k, v in json.loads(a.amounts).items()},
        "first_seen": a.first_seen,
        "last_seen": a.last_seen,
        "first_seen_as_of": a.first_seen_as_of,
        "last_seen_as_of": a.last_seen_as_of,
        "resolved_at": a.resolved_at,
        "acknowledged_by": a.acknowledged_by,
        "acknowledged_at": a.acknowledged_at,
        "ack_comment": a.ack_comment,
    }


@app.command("show")
def show_command(
    key: Annotated[str, typer.Argument(help="Alert key or id.")],
    json_output: JsonFlag = False,
) -> None:
    """Show one alert with its history and webhook events."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        alert = get_alert(session, key)
        body = alert_json(alert)
        body["history"] = [
            {"kind": e.kind, "at": e.at, "actor": e.actor, "detail": e.detail, "scan": e.scan_id}
            for e in history(session, alert)
        ]
        body["webhook"] = [
            {"id": o.id, "event": o.event, "delivered_at": o.delivered_at, "attempts": o.attempts}
            for o in deliveries(session, alert)
        ]
    if json_output:
        emit_json(body)
        return
    console.print(f"[bold]{body['key']}[/] {body['severity']} {body['state']}", highlight=False)
    console.print(body["message"], highlight=False)
    console.print(f"action: {body['action']}\nsource: {body['clause']}", highlight=False)
    for name, value in body["amounts"].items():
        console.print(f"  {name}: {value} 元", highlight=False)
    table(
        "history",
        ["at", "kind", "by", "detail"],
        [(e["at"], e["kind"], e["actor"], e["detail"]) for e in body["history"]],
    )


@app.command("ack")
def ack_command(
    key: Annotated[str, typer.Argument(help="Alert key or id.")],
    by: Annotated[str, typer.Option("--by", help="Officer acknowledging.")],
    comment: Annotated[str, typer.Option("--comment", help="What is being done.")],
    json_output: JsonFlag = False,
) -> None:
    """Acknowledge an alert: who saw it and what they will do."""
    with unit_of_work(json_output=json_output) as session:
        by = actor_name(by, "--by")
        body = alert_json(acknowledge(session, key=key, actor=by, comment=comment))
    if json_output:
        emit_json(body)
    else:
        console.print(f"acknowledged {body['key']} by {by}", highlight=False)


@app.command("mode")
def mode_command(
    rule: Annotated[str, typer.Argument(help="Rule id.")],
    warning_only: Annotated[
        bool, typer.Option("--warning-only/--enforce", help="Report only, or count breaches.")
    ],
    by: Annotated[str, typer.Option("--by")],
    reason: Annotated[str, typer.Option("--reason")],
) -> None:
    """Switch a rule to warning-only (reports, not counted as a breach) or back."""
    with unit_of_work() as session:
        actor = actor_name(by, "--by")
        set_rule_mode(session, rule=rule, warning_only=warning_only, actor=actor, reason=reason)
    console.print(f"{rule}: {'warning-only' if warning_only else 'enforced'}", highlight=False)


@app.command("rules")
def rules_command(json_output: JsonFlag = False) -> None:
    """Print the rule catalogue with each rule's clause and mode."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        modes = {k: v.warning_only for k, v in rule_modes(session).items()}
    rows = [
        {
            "id": r.id,
            "title_zh": r.title_zh,
            "title_en": r.title_en,
            "severity": r.severity.value,
            "programmes": [p.value for p in r.programmes],
            "clause": r.cite(),
            "clauses": r.cites(),
            "warning_only": modes.get(r.id, r.warning_only),
        }
        for r in RULES
    ]
    if json_output:
        emit_json(rows)
        return
    table(
        "rules",
        ["id", "规则", "severity", "programmes", "clause", "mode"],
        [
            (
                r.id,
                r.title_zh,
                r.severity.value,
                ",".join(p.value for p in r.programmes),
                "; ".join(sorted(set(r.cites().values()))),
                "warning-only" if modes.get(r.id, r.warning_only) else "enforced",
            )
            for r in RULES
        ],
    )
