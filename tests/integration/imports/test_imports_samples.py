"""The sample files import cleanly, in order, once: a second import finds everything there."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

import factories
from funds import grants
from funds.grants.models import Assessment, Award, Enterprise, Recipient, Stage, Use
from funds.imports import KINDS, ImportResult, import_file
from funds.ledger import Entry, Ledger, verify
from funds.policy import WAN

SAMPLES = Path(__file__).parents[2] / "data" / "imports"


def load(
    session: Session, name: str, kind: str | None = None, *, dry_run: bool = False
) -> ImportResult:
    """Import a sample file into the test's session."""
    return import_file(session, SAMPLES / name, kind=kind, actor="导入员", dry_run=dry_run)


def import_every_kind(session: Session, *, until: str | None = None) -> dict[str, ImportResult]:
    """Import the per-kind samples in dependency order (up to ``until``, excluded)."""
    results = {}
    for kind in KINDS:
        if kind == until:
            break
        results[kind] = load(session, f"{kind}.xlsx", kind)
        assert results[kind].ok, results[kind].problems
    return results


@pytest.fixture
def world(session: Session) -> Session:
    factories.world(session)
    return session


def test_each_kind_s_sample_imports_in_order_and_the_ledger_verifies(world: Session) -> None:
    results = import_every_kind(world)
    assert {k: (r.new, r.existing) for k, r in results.items()} == {
        "recipients": (2, 1),
        "enterprises": (2, 1),
        "awards": (3, 0),
        "assessments": (2, 0),
        "releases": (3, 0),
        "pass_through": (4, 0),
        "spending": (2, 0),
    }
    assert grants.award_statement(world, "ZONE-2025-0101").paid == 700 * WAN
    ledger = Ledger(world)
    assert ledger.balance("award:ZONE-2025-0101:held") == (700 - 350 - 150 - 100 - 50) * WAN
    assert ledger.balance("award:ADV-2025-0101:held") == (200 - 120) * WAN - 30_000_050
    county = world.exec(select(Award).where(Award.code == "CC-2025-0101")).one()
    assert county.amount == 300 * WAN
    assert verify(world.connection()).ok


def test_the_whole_workbook_imports_every_sheet_in_dependency_order(world: Session) -> None:
    result = load(world, "workbook.xlsx")
    assert result.ok, result.problems
    assert (result.rows, result.new, result.existing) == (20, 18, 2)
    assert list(result.counts) == list(KINDS)
    assert verify(world.connection()).ok


def test_the_same_files_imported_twice_create_nothing_the_second_time(world: Session) -> None:
    import_every_kind(world)
    head = Ledger(world).head()
    tables = _row_counts(world)
    again = load(world, "workbook.xlsx")
    assert again.ok, again.problems
    assert (again.new, again.existing) == (0, 20)
    also_csv = load(world, "pass_through.csv", "pass_through")
    assert (also_csv.new, also_csv.existing) == (0, 4)
    assert Ledger(world).head() == head
    assert _row_counts(world) == tables


def test_the_csv_sample_in_gb18030_with_english_headers_reads_like_the_workbook(
    world: Session,
) -> None:
    import_every_kind(world, until="pass_through")
    result = load(world, "pass_through.csv", "pass-through")
    assert result.ok, result.problems
    assert result.new == 4
    amounts = world.exec(select(Use.amount).order_by(col(Use.id))).all()
    assert list(amounts) == [350 * WAN, 150 * WAN, 100 * WAN, 120 * WAN]


def test_a_dry_run_reports_what_would_be_new(world: Session) -> None:
    result = load(world, "workbook.xlsx", dry_run=True)
    assert result.ok
    assert result.dry_run
    assert result.new == 18


def test_a_pass_through_imported_in_bulk_is_what_the_service_writes(world: Session) -> None:
    import_every_kind(world, until="pass_through")
    ledger = Ledger(world)
    with world.begin_nested() as savepoint:
        by_service = grants.record_pass_through(
            world,
            award="ZONE-2025-0101",
            enterprise=factories.credit_code(1),
            amount=350 * WAN,
            purpose="培育服务型制造标杆企业",
            on=date(2025, 6, 1),
            actor="导入员",
            voucher="PZ-2025-001",
        )
        expected = _shape(world, ledger, by_service)
        savepoint.rollback()
    assert load(world, "pass_through.xlsx", "pass_through").ok
    imported = world.exec(select(Use).where(Use.voucher == "PZ-2025-001")).one()
    assert _shape(world, ledger, imported) == expected
    entry = world.get(Entry, imported.entry_id)
    assert entry is not None
    assert entry.idempotency_key is not None
    retried = grants.record_pass_through(
        world,
        award="ZONE-2025-0101",
        enterprise=factories.credit_code(1),
        amount=350 * WAN,
        purpose="培育服务型制造标杆企业",
        on=date(2025, 6, 1),
        actor="导入员",
        voucher="PZ-2025-001",
        idempotency_key=entry.idempotency_key,
    )
    assert retried.id == imported.id
    assert world.exec(select(func.count()).select_from(Use)).one() == 4


def _shape(session: Session, ledger: Ledger, use: Use) -> tuple[object, ...]:
    entry = session.get(Entry, use.entry_id)
    assert entry is not None
    return (
        (use.award_id, use.kind, use.enterprise_id, use.purpose, use.amount, use.voucher),
        (use.effective_date, use.actor, use.reversed_by),
        (entry.kind, entry.effective_date, entry.actor, entry.memo, entry.voucher),
        (entry.links, tuple(ledger.legs_of(use.entry_id))),
    )


def _row_counts(session: Session) -> dict[str, int]:
    models = (Recipient, Enterprise, Award, Stage, Assessment, Use)
    return {m.__name__: session.exec(select(func.count()).select_from(m)).one() for m in models}
