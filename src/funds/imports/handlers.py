"""Pass two, row by row through the grants services, for every kind but pass-through.

Each row runs in its own SAVEPOINT, so a refused row leaves no trace and the next row sees
the effect of every earlier row of the file (a stage released in row 3 is money held in
row 4). A refusal (:class:`~funds.errors.FundsError`) becomes a problem at the row and the
column it concerns; checking goes on.

"Already there" is decided per kind: a ledger entry with the row's idempotency key (awards,
releases, spending); a record with the same code and the same fields (recipients,
enterprises); the same assessment (award, year, grade, date, re-assessment).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from funds import grants
from funds.errors import FundsError, InvalidInput
from funds.grants.common import award_by_code, stage_of
from funds.grants.county import county_facts
from funds.grants.county import figures_of as county_figures_of
from funds.grants.county import figures_of_facts as county_row_figures
from funds.grants.errors import Duplicate
from funds.grants.models import Assessment, Award, Enterprise, Fund, Recipient
from funds.imports.context import (
    KEY_PREFIX,
    AlreadyReported,
    Context,
    existing_keys,
    natural_key,
)
from funds.imports.report import ParsedRow
from funds.policy import CountyClusterFacts, normalise_city

RowHandler = Callable[[Session, ParsedRow, Context], bool]
"""Apply one row; return True when it made something new, False when it was already there."""


def each_row(session: Session, rows: list[ParsedRow], ctx: Context, handle: RowHandler) -> None:
    """Apply ``rows`` one by one, each in a savepoint; count them and collect refusals."""
    counts = ctx.result.count(rows[0].sheet.kind.name) if rows else None
    for row in rows:
        try:
            with session.begin_nested():
                made = handle(session, row, ctx)
        except AlreadyReported:
            pass
        except FundsError as error:
            ctx.refuse(row, error)
        else:
            assert counts is not None
            if made:
                counts.new += 1
            else:
                counts.existing += 1
        ctx.tick()


def _city(value: str) -> str:
    try:
        return normalise_city(value)
    except ValueError as error:
        raise InvalidInput("city", str(error)) from None


def recipient(session: Session, row: ParsedRow, ctx: Context) -> bool:
    """A recipient: new, identical to the stored one, or a conflict."""
    v = row.values
    found = session.exec(select(Recipient).where(Recipient.code == v["code"])).first()
    if found is None:
        grants.add_recipient(
            session,
            code=v["code"],
            name=v["name"],
            kind=v["kind"],
            city=v["city"],
            county=v["county"] or "",
            actor=ctx.actor,
        )
        return True
    wanted = (v["name"], v["kind"], _city(v["city"]), v["county"] or "")
    if (found.name, found.kind, found.city, found.county) != wanted:
        raise Duplicate(
            f"recipient {found.code} already exists as {found.name} ({found.kind},"
            f" {found.city} {found.county}); this row describes it differently",
            what="recipient",
        )
    return False


def enterprise(session: Session, row: ParsedRow, ctx: Context) -> bool:
    """An enterprise: new, identical to the stored one, or a conflict."""
    v = row.values
    code = v["credit_code"]
    found = session.exec(select(Enterprise).where(Enterprise.credit_code == code)).first()
    if found is None:
        grants.add_enterprise(
            session, credit_code=code, name=v["name"], city=v["city"], actor=ctx.actor
        )
        return True
    if (found.name, found.city) != (v["name"], _city(v["city"])):
        raise Duplicate(
            f"enterprise {code} already exists as {found.name} ({found.city});"
            " this row describes it differently",
            what="enterprise",
        )
    return False


def award(session: Session, row: ParsedRow, ctx: Context) -> bool:
    """An award, keyed by its code: re-importing the same row changes nothing."""
    v = row.values
    key = f"{KEY_PREFIX}:award:{v['code']}"
    known = bool(existing_keys(session, [key]))
    if not known:
        earlier = session.exec(select(Award).where(Award.code == v["code"])).first()
        if earlier is not None:
            return _same_award(session, earlier, row)
    county = _county_of(row)
    grants.grant_award(
        session,
        programme=v["programme"],
        recipient=v["recipient"],
        fund=v["fund"],
        granted_on=v["granted_on"],
        actor=ctx.actor,
        amount=v["amount"],
        tier=v["tier"] or "",
        split=v["split"],
        code=v["code"],
        idempotency_key=key,
        county=county,
    )
    return not known


def _county_of(row: ParsedRow) -> CountyClusterFacts | None:
    """The row's county recognition figures (required for a county cluster)."""
    v = row.values
    return county_facts(
        v["programme"],
        revenue=v.get("revenue"),
        leading_enterprises=v.get("leading_enterprises"),
        quality_enterprises=v.get("quality_enterprises"),
        rd_intensity=v.get("rd_intensity"),
        first_in_province=bool(v.get("first_in_province")),
        top_nationally=bool(v.get("top_nationally")),
    )


def _same_award(session: Session, found: Award, row: ParsedRow) -> bool:
    """An award recorded outside an import: the same one, or a conflict."""
    v = row.values
    holder = session.get(Recipient, found.recipient_id)
    fund = session.get(Fund, found.fund_id)
    stored = (
        found.programme,
        holder.code if holder else None,
        fund.code if fund else None,
        found.granted_on,
    )
    wanted = (v["programme"], v["recipient"], v["fund"], v["granted_on"])
    amount_differs = v["amount"] is not None and v["amount"] != found.amount
    if v.get("revenue") is not None:  # figures given: they must be the stored ones
        facts = _county_of(row)
        recorded = county_figures_of(found)
        amount_differs |= facts is not None and (
            recorded is None or county_row_figures(facts) != recorded
        )
    if stored != wanted or amount_differs:
        raise Duplicate(
            f"award {found.code} already exists ({found.programme}, {stored[1]}, {stored[2]},"
            f" granted {found.granted_on}); this row describes it differently",
            what="award",
        )
    return False


def release(session: Session, row: ParsedRow, ctx: Context) -> bool:
    """A stage release: request by one officer, approval by another, keyed by award and stage."""
    v = row.values
    key = f"{KEY_PREFIX}:release:{v['award']}:{v['seq']}"
    known = bool(existing_keys(session, [key]))
    if not known:
        stage = stage_of(session, award_by_code(session, v["award"]), v["seq"])
        if stage.status == "paid" and stage.paid_on == v["on"]:
            return False  # paid outside an import, as this row says
        grants.request_release(
            session, award=v["award"], seq=v["seq"], actor=v["requested_by"], on=v["on"]
        )
    grants.approve_release(
        session,
        award=v["award"],
        seq=v["seq"],
        actor=v["approved_by"],
        on=v["on"],
        idempotency_key=key,
    )
    return not known


def assessment(session: Session, row: ParsedRow, ctx: Context) -> bool:
    """An assessment result; the same result recorded before is already there."""
    v = row.values
    found = award_by_code(session, v["award"])
    again = bool(v["reassessment"])
    same = session.exec(
        select(Assessment).where(
            Assessment.award_id == found.id,
            Assessment.year == v["year"],
            Assessment.grade == v["grade"],
            Assessment.assessed_on == v["on"],
            Assessment.reassessment == again,
        )
    ).first()
    if same is not None:
        return False
    grants.record_assessment(
        session,
        award=v["award"],
        year=v["year"],
        grade=v["grade"],
        on=v["on"],
        actor=ctx.actor,
        reassessment=again,
    )
    return True


SPENDING_FIELDS = ("amount", "purpose", "on")


def spending(session: Session, row: ParsedRow, ctx: Context) -> bool:
    """The recipient's own spending, keyed by voucher (or by the row's fields)."""
    v = row.values
    key = natural_key("spending", v["award"], row, SPENDING_FIELDS)
    if not ctx.first_use(key, row):
        raise AlreadyReported()
    is_new = not existing_keys(session, [key])
    grants.record_spending(
        session,
        award=v["award"],
        amount=v["amount"],
        purpose=v["purpose"],
        on=v["on"],
        actor=ctx.actor,
        voucher=v["voucher"],
        idempotency_key=key,
    )
    return is_new


HANDLERS: dict[str, RowHandler] = {
    "recipients": recipient,
    "enterprises": enterprise,
    "awards": award,
    "assessments": assessment,
    "releases": release,
    "spending": spending,
}
