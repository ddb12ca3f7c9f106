"""What happens to an award after the grant: stage releases (maker-checker), pass-through
and own spending, assessments, exit or revocation, recovery, progress reports, deadlines.

Each route checks the user's scope on the award first (another's award is "not found"),
then calls one service with the user's name as the actor.
"""

from __future__ import annotations

from fastapi import APIRouter

from funds import grants
from funds.api.idempotency import Write
from funds.api.routers.awards import AwardCode
from funds.api.rules import allow
from funds.api.schemas.grants import (
    AssessmentCreate,
    ConsequenceRead,
    ConsequencesRead,
    DeadlinesRun,
    PassThroughCreate,
    RecoveryCreate,
    RecoveryRead,
    RectificationCreate,
    RectificationRead,
    ReportCreate,
    ReportRead,
    SpendingCreate,
    StageAction,
    StageActionRead,
    TerminationCreate,
    UseRead,
)
from funds.api.scope import Scope
from funds.api.types import Seq, fen
from funds.api.users import Role
from funds.clock import today
from funds.grants.lifecycle import Consequence
from funds.grants.models import Stage, Use
from funds.grants.queries import passed_and_paid
from funds.grants.usage import credit_code_of
from funds.grants.views import percent_text
from funds.money import share, to_yuan_string

router = APIRouter(prefix="/awards/{code}", tags=["awards"])
deadlines_router = APIRouter(tags=["awards"])


def _stage(award: str, stage: Stage) -> StageActionRead:
    return StageActionRead(
        award=award,
        seq=stage.seq,
        year=stage.year,
        amount=to_yuan_string(stage.amount),
        status=stage.status,
        requested_by=stage.requested_by,
        approved_by=stage.approved_by,
        paid_on=stage.paid_on,
        entry=stage.release_entry_id,
    )


@router.post("/stages/{seq}/request", response_model=StageActionRead, **allow(Role.FINANCE))
def request_release(code: AwardCode, seq: Seq, body: StageAction, write: Write) -> object:
    """Request payment of a stage; a different officer approves it."""

    def run() -> StageActionRead:
        Scope.of(write.user).check_award(write.session, code)
        stage = grants.request_release(
            write.session, award=code, seq=seq, actor=write.actor, on=body.on or today()
        )
        return _stage(code, stage)

    return write.respond(body, run)


@router.post("/stages/{seq}/approve", response_model=StageActionRead, **allow(Role.FINANCE))
def approve_release(code: AwardCode, seq: Seq, body: StageAction, write: Write) -> object:
    """Approve a requested stage and pay it; the approver must not be the requester."""

    def run() -> StageActionRead:
        stage = grants.approve_release(
            write.session,
            award=code,
            seq=seq,
            actor=write.actor,
            on=body.on or today(),
            idempotency_key=write.service_key,
        )
        return _stage(code, stage)

    return write.respond(body, run)


def _use(write: Write, code: str, use: Use, enterprise: str | None) -> UseRead:
    passed, paid = use.totals_after or passed_and_paid(write.session, code, use.award_id)
    ratio = share(passed, paid)
    return UseRead(
        award=code,
        kind=use.kind,
        enterprise=enterprise,
        purpose=use.purpose,
        amount=to_yuan_string(use.amount),
        effective_date=use.effective_date,
        voucher=use.voucher,
        entry=use.entry_id,
        actor=use.actor,
        pass_through_percent=percent_text(ratio),
    )


@router.post("/pass-throughs", status_code=201, response_model=UseRead, **allow(Role.RECIPIENT))
def record_pass_through(code: AwardCode, body: PassThroughCreate, write: Write) -> object:
    """Record money the recipient passed on (下达) to an enterprise (money-moving)."""

    def run() -> UseRead:
        Scope.of(write.user).check_award(write.session, code)
        use = grants.record_pass_through(
            write.session,
            award=code,
            enterprise=body.enterprise,
            amount=fen(body.amount, "amount"),
            purpose=body.purpose,
            on=body.on or today(),
            actor=write.actor,
            voucher=body.voucher,
            idempotency_key=write.service_key,
        )
        return _use(write, code, use, credit_code_of(body.enterprise))

    return write.respond(body, run, status_code=201)


@router.post("/spendings", status_code=201, response_model=UseRead, **allow(Role.RECIPIENT))
def record_spending(code: AwardCode, body: SpendingCreate, write: Write) -> object:
    """Record the recipient's own spending (自用) for a listed purpose (money-moving)."""

    def run() -> UseRead:
        Scope.of(write.user).check_award(write.session, code)
        use = grants.record_spending(
            write.session,
            award=code,
            amount=fen(body.amount, "amount"),
            purpose=body.purpose,
            on=body.on or today(),
            actor=write.actor,
            voucher=body.voucher,
            idempotency_key=write.service_key,
        )
        return _use(write, code, use, None)

    return write.respond(body, run, status_code=201)


def _consequences(message: str, done: list[Consequence]) -> ConsequencesRead:
    return ConsequencesRead(
        message=message,
        consequences=[
            ConsequenceRead(award=c.award, action=c.action, detail=c.detail) for c in done
        ],
    )


@router.post(
    "/assessments", status_code=201, response_model=ConsequencesRead, **allow(Role.FINANCE)
)
def record_assessment(code: AwardCode, body: AssessmentCreate, write: Write) -> object:
    """Record an assessment result; forfeits, rectification or exit follow by themselves."""

    def run() -> ConsequencesRead:
        done = grants.record_assessment(
            write.session,
            award=code,
            year=body.year,
            grade=body.grade,
            on=body.on or today(),
            actor=write.actor,
            reassessment=body.reassessment,
        )
        return _consequences(f"{code} {body.year}: {body.grade.value} recorded", done)

    return write.respond(body, run, status_code=201)


@router.post(
    "/rectifications",
    status_code=201,
    response_model=RectificationRead,
    **allow(Role.FINANCE, Role.RECIPIENT),
)
def record_rectification(code: AwardCode, body: RectificationCreate, write: Write) -> object:
    """Record a zone's rectification materials, submitted within its rectification period."""

    def run() -> RectificationRead:
        Scope.of(write.user).check_award(write.session, code)
        row = grants.record_rectification(
            write.session, award=code, year=body.year, on=body.on or today(),
            actor=write.actor,
        )  # fmt: skip
        return RectificationRead(
            award=code, year=row.year, submitted_on=row.submitted_on, actor=row.actor
        )

    return write.respond(body, run, status_code=201)


@router.post(
    "/termination", status_code=201, response_model=ConsequencesRead, **allow(Role.FINANCE)
)
def terminate(code: AwardCode, body: TerminationCreate, write: Write) -> object:
    """Exit (zone) or revoke (cluster): cancel unpaid stages, raise recovery where it applies."""

    def run() -> ConsequencesRead:
        done = grants.terminate(
            write.session,
            award=code,
            reason=body.reason,
            on=body.on or today(),
            actor=write.actor,
            note=body.note,
        )
        return _consequences(f"{code} ended", done)

    return write.respond(body, run, status_code=201)


@router.post("/recoveries", status_code=201, response_model=RecoveryRead, **allow(Role.FINANCE))
def record_recovery(code: AwardCode, body: RecoveryCreate, write: Write) -> object:
    """Record a repayment of recovered money (partial allowed), or a write-off."""

    def run() -> RecoveryRead:
        row = grants.record_recovery(
            write.session,
            award=code,
            amount=fen(body.amount, "amount"),
            on=body.on or today(),
            actor=write.actor,
            kind=body.kind,
            voucher=body.voucher,
            reason=body.reason,
            idempotency_key=write.service_key,
        )
        outstanding = grants.award_statement(write.session, code).receivable
        return RecoveryRead(
            award=code,
            kind=row.kind,
            amount=to_yuan_string(row.amount),
            effective_date=row.effective_date,
            voucher=row.voucher,
            reason=row.reason,
            entry=row.entry_id,
            actor=row.actor,
            outstanding=to_yuan_string(outstanding),
        )

    return write.respond(body, run, status_code=201)


@router.post(
    "/reports", status_code=201, response_model=ReportRead, **allow(Role.FINANCE, Role.RECIPIENT)
)
def record_report(code: AwardCode, body: ReportCreate, write: Write) -> object:
    """Record a progress report received (quarterly zone / annual county-cluster report)."""

    def run() -> ReportRead:
        Scope.of(write.user).check_award(write.session, code)
        row = grants.record_report(
            write.session, award=code, period=body.period, on=body.on or today(),
            actor=write.actor,
        )  # fmt: skip
        return ReportRead(
            award=code, period=row.period, submitted_on=row.submitted_on, actor=row.actor
        )

    return write.respond(body, run, status_code=201)


@deadlines_router.post(
    "/assessments/deadlines", response_model=ConsequencesRead, **allow(Role.FINANCE)
)
def apply_deadlines(body: DeadlinesRun, write: Write) -> object:
    """Deem missing assessments and missed rectifications 不合格 once their deadline passed."""

    def run() -> ConsequencesRead:
        now = today()
        done = grants.apply_deadlines(
            write.session, as_of=body.as_of or now, actor=write.actor, today=now
        )
        return _consequences(f"{len(done)} consequences of passed deadlines", done)

    return write.respond(body, run)
