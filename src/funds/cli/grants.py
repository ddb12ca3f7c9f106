"""Commands finance officers type: budgets, awards, stage releases, use, assessments, exits.

Each command is one unit of work: parse what was typed (amounts with the same parser as
everywhere: ``500万``, ``5,000,000.00``), call one service, print the result. ``--actor``
(default ``$FUNDS_ACTOR`` or the login name) records who did it.
"""

from __future__ import annotations

import getpass
import os
from datetime import date
from typing import Annotated

import typer

from funds import grants
from funds.actors import actor_name
from funds.cli.common import parse_date, say, unit_of_work
from funds.clock import today
from funds.errors import InvalidInput
from funds.grants.awards import StagePlan
from funds.grants.county import county_facts
from funds.money import MoneyError, format_wan, format_yuan, parse_fen, to_yuan_string

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
Actor = Annotated[
    str | None, typer.Option("--actor", help="Who does this (default: $FUNDS_ACTOR or login).")
]
On = Annotated[str | None, typer.Option("--date", help="Effective date (default: today).")]
Key = Annotated[
    str | None, typer.Option("--idempotency-key", help="Retry-safe key: same key, same result.")
]

fund_app = typer.Typer(help="Special funds (资金来源).", no_args_is_help=True)
budget_app = typer.Typer(help="Annual budgets.", no_args_is_help=True)
recipient_app = typer.Typer(help="Recipients.", no_args_is_help=True)
enterprise_app = typer.Typer(help="Enterprises.", no_args_is_help=True)
award_app = typer.Typer(help="Awards.", no_args_is_help=True)
stage_app = typer.Typer(help="Stage releases (maker-checker).", no_args_is_help=True)


def actor_of(value: str | None) -> str:
    """Return who acts: the ``--actor`` typed (stripped; blank is refused), else
    ``$FUNDS_ACTOR`` (unset when blank) or the login name."""
    if value is not None:
        return actor_name(value, "--actor")
    return os.environ.get("FUNDS_ACTOR", "").strip() or getpass.getuser()


def day_of(value: str | None, field: str = "--date") -> date:
    """Return the typed date, or today."""
    return parse_date(value, field) or today()


def amount_of(value: str, field: str = "amount") -> int:
    """Parse a typed amount into 分 (refusing zero and negatives)."""
    try:
        return parse_fen(value, allow_zero=False)
    except MoneyError as error:
        raise InvalidInput(field, error.reason + f" (typed {value!r})") from None


@fund_app.command("add")
def fund_add(code: str, name: str, actor: Actor = None, json_output: JsonFlag = False) -> None:
    """Register a special fund, e.g. ``funds fund add mfg 省制造强省建设资金``."""
    with unit_of_work(json_output=json_output) as session:
        fund = grants.add_fund(session, code=code, name=name, actor=actor_of(actor))
    say(json_output, {"fund": fund.code, "name": fund.name}, f"fund {fund.code} ({fund.name})")


@budget_app.command("set")
def budget_set(
    fund: str,
    year: int,
    amount: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")] = "年度预算",
    on: On = None,
    actor: Actor = None,
    key: Key = None,
    json_output: JsonFlag = False,
) -> None:
    """Set or amend a fund's annual budget: ``funds budget set mfg 2026 8000万``."""
    with unit_of_work(json_output=json_output) as session:
        row = grants.set_budget(
            session,
            fund_code=fund,
            year=year,
            amount=parse_fen(amount),
            reason=reason,
            actor=actor_of(actor),
            effective_date=parse_date(on),
            idempotency_key=key,
        )
    say(
        json_output,
        {"fund": fund, "year": year, "budget": to_yuan_string(row.budget)},
        f"{fund} {year} budget is {format_yuan(row.budget)} 元 ({format_wan(row.budget)})",
    )


@recipient_app.command("add")
def recipient_add(
    code: str,
    name: str,
    kind: Annotated[
        str,
        typer.Option(
            help="county, district, development_zone (省级以上开发区), local_zone (省级以下开发区)"
            " or cluster"
        ),
    ],
    city: Annotated[str, typer.Option(help="One of Anhui's 16 cities")],
    county: Annotated[str, typer.Option(help="County or district")] = "",
    actor: Actor = None,
    json_output: JsonFlag = False,
) -> None:
    """Register a recipient."""
    with unit_of_work(json_output=json_output) as session:
        row = grants.add_recipient(
            session,
            code=code,
            name=name,
            kind=kind,
            city=city,
            county=county,
            actor=actor_of(actor),
        )
    say(json_output, {"recipient": row.code, "city": row.city}, f"recipient {row.code} {row.name}")


@enterprise_app.command("add")
def enterprise_add(
    credit_code: str,
    name: str,
    city: Annotated[str, typer.Option(help="One of Anhui's 16 cities")],
    actor: Actor = None,
    json_output: JsonFlag = False,
) -> None:
    """Register an enterprise by its 统一社会信用代码 (check character validated)."""
    with unit_of_work(json_output=json_output) as session:
        row = grants.add_enterprise(
            session, credit_code=credit_code, name=name, city=city, actor=actor_of(actor)
        )
    say(json_output, {"enterprise": row.credit_code}, f"enterprise {row.credit_code} {row.name}")


@award_app.command("grant")
def award_grant(
    programme: Annotated[str, typer.Option(help="advanced_cluster, service_zone, county_cluster")],
    recipient: Annotated[str, typer.Option(help="Recipient code")],
    fund: Annotated[str, typer.Option(help="Fund code")],
    tier: Annotated[str, typer.Option(help="world, national or provincial (clusters)")] = "",
    amount: Annotated[str | None, typer.Option(help="Amount (zones, county clusters)")] = None,
    split: Annotated[str | None, typer.Option(help="Stage split in percent, e.g. 40/30/30")] = None,
    stage: Annotated[
        list[str] | None, typer.Option(help="Explicit stage YEAR:AMOUNT (repeat)")
    ] = None,
    code: Annotated[str | None, typer.Option(help="Public code (default: next free)")] = None,
    revenue: Annotated[
        str | None, typer.Option(help="County cluster: 集群营业收入, e.g. 120亿")
    ] = None,
    leading: Annotated[
        int | None, typer.Option("--leading-enterprises", help="County cluster: 龙头企业数")
    ] = None,
    quality: Annotated[
        int | None, typer.Option("--quality-enterprises", help="County cluster: 优质企业数")
    ] = None,
    rd_intensity: Annotated[
        str | None, typer.Option(help="County cluster: 平均研发投入强度, e.g. 2.2%")
    ] = None,
    first_in_province: Annotated[
        bool, typer.Option(help="County cluster: revenue first in the province (放宽)")
    ] = False,
    top_nationally: Annotated[
        bool, typer.Option(help="County cluster: revenue near the top nationally (放宽)")
    ] = False,
    on: On = None,
    actor: Actor = None,
    key: Key = None,
    json_output: JsonFlag = False,
) -> None:
    """Grant an award and commit its stages against each year's budget.

    A county cluster is recognised on its figures (COUNTY-PLAN 附件4 第三条), all required:
    ``--revenue 120亿 --leading-enterprises 2 --quality-enterprises 60 --rd-intensity 2.4%``.
    """
    with unit_of_work(json_output=json_output) as session:
        county = county_facts(
            programme,
            revenue=revenue,
            leading_enterprises=leading,
            quality_enterprises=quality,
            rd_intensity=rd_intensity,
            first_in_province=first_in_province,
            top_nationally=top_nationally,
        )
        award = grants.grant_award(
            session,
            programme=programme,
            recipient=recipient,
            fund=fund,
            tier=tier,
            amount=amount_of(amount) if amount else None,
            split=_split(split),
            stages=[_stage(s) for s in stage] if stage else None,
            code=code,
            granted_on=day_of(on),
            actor=actor_of(actor),
            idempotency_key=key,
            county=county,
        )
        statement = grants.award_statement(session, award.code)
    stages = ", ".join(f"{s.year} {format_wan(s.amount)}" for s in statement.stages)
    say(
        json_output,
        {"award": award.code, "amount": to_yuan_string(award.amount)},
        f"granted {award.code}: {format_wan(award.amount)} in stages {stages}",
    )


def _split(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(p) for p in text.replace("-", "/").split("/"))
    except ValueError:
        raise InvalidInput("split", f"{text!r} is not like 40/30/30") from None


def _stage(text: str) -> StagePlan:
    year, sep, amount = text.partition(":")
    if not sep or not year.isdigit():
        raise InvalidInput("stage", f"{text!r} is not YEAR:AMOUNT (e.g. 2026:400万)")
    return StagePlan(int(year), amount_of(amount, "stage"))


@stage_app.command("request")
def stage_request(
    award: str, seq: int, on: On = None, actor: Actor = None, json_output: JsonFlag = False
) -> None:
    """Request payment of stage SEQ of AWARD (a different officer approves)."""
    with unit_of_work(json_output=json_output) as session:
        row = grants.request_release(
            session, award=award, seq=seq, actor=actor_of(actor), on=day_of(on)
        )
    say(
        json_output,
        {"award": award, "stage": seq, "status": row.status, "requested_by": row.requested_by},
        f"{award} stage {seq} ({format_wan(row.amount)}) requested by {row.requested_by}",
    )


@stage_app.command("approve")
def stage_approve(
    award: str,
    seq: int,
    on: On = None,
    actor: Actor = None,
    key: Key = None,
    json_output: JsonFlag = False,
) -> None:
    """Approve a requested stage and pay it (the approver must not be the requester)."""
    with unit_of_work(json_output=json_output) as session:
        row = grants.approve_release(
            session, award=award, seq=seq, actor=actor_of(actor), on=day_of(on), idempotency_key=key
        )
    say(
        json_output,
        {"award": award, "stage": seq, "status": row.status, "entry": row.release_entry_id},
        f"{award} stage {seq} paid {format_yuan(row.amount)} 元 on {row.paid_on}"
        f" (entry #{row.release_entry_id})",
    )
