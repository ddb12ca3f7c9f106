"""PDF reports read back with pypdf: the figures are the ledger's, every page carries the
as-of date and the ledger's fingerprint, and a page renders to a non-blank image."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from reports_books import AS_OF, build_books, render_first_page, store_plan
from sqlmodel import Session

from funds import grants
from funds.compliance import AlertFilter, list_alerts
from funds.ledger import Ledger
from funds.money import format_yuan
from funds.reports import (
    award_statement_pdf,
    clawback_pdf,
    compliance_pdf,
    fund_execution_pdf,
    plan_pdf,
)
from funds.reports.fonts import cjk_font
from funds.reports.queries import clawback_register, fund_execution

needs_embedded_font = pytest.mark.skipif(
    not cjk_font().embedded,
    reason="no TrueType CJK font: STSong-Light is not embedded, so its text is not extractable",
)


@pytest.fixture
def books(session: Session) -> dict[str, str]:
    return build_books(session)


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def assert_stamped(pages: list[str], session: Session, as_of: date) -> None:
    head_id, head_hash = Ledger(session).head()
    for n, text in enumerate(pages, start=1):
        assert head_hash in text, f"page {n} lacks the ledger hash"
        assert f"#{head_id} " in text
        assert f"数据截至 {as_of.isoformat()}" in text
        assert f"/ 共 {len(pages)} 页" in text


@needs_embedded_font
def test_an_award_statement_shows_the_ledgers_figures_on_stamped_pages(
    session: Session, books: dict[str, str]
) -> None:
    code = books["zone"]
    statement = grants.award_statement(session, code, AS_OF)
    pages = pages_of(award_statement_pdf(session, [code], AS_OF))
    text = "\n".join(pages)
    assert_stamped(pages, session, AS_OF)
    figures = (statement.amount, statement.paid, statement.passed_on, statement.spent)
    for amount in (*figures, statement.recovered, statement.receivable):
        assert format_yuan(amount) in text
    assert statement.paid == 400 * 1_000_000
    assert statement.passed_on == 300 * 1_000_000
    assert "75.00 %" in text
    assert "未达到不低于 80 %" in text
    assert "合肥甲公司" in text
    assert "培育服务型制造标杆企业" in text
    assert "诊断宣贯" in text
    assert "已退出" in text
    assert "已取消" in text
    open_rules = {a.rule for a in list_alerts(session, AlertFilter()) if a.award == code}
    flat = text.replace("\n", "")
    assert open_rules
    assert all(rule in flat for rule in open_rules)
    assert "经办人（签字）" in text


def test_statements_of_several_awards_number_their_pages_per_award(
    session: Session, books: dict[str, str]
) -> None:
    one = pages_of(award_statement_pdf(session, [books["zone"]], AS_OF))
    both = pages_of(award_statement_pdf(session, [books["zone"], books["cluster"]], AS_OF))
    assert len(both) > len(one)
    assert f"第 1 页 / 共 {len(one)} 页" in both[0]
    assert "第 1 页" in both[len(one)]
    assert books["cluster"] in both[len(one)]


def test_the_fund_execution_breakdowns_add_up_to_the_fund_year_totals(
    session: Session, books: dict[str, str]
) -> None:
    for year in (2025, 2026, 2027):
        figures = fund_execution(session, "mfg", year, AS_OF)
        total = grants.fund_year_execution(session, "mfg", year, AS_OF)
        for groups in (figures.programmes, figures.cities, figures.awards):
            assert sum(g.paid for g in groups) == total.paid
            assert sum(g.committed for g in groups) == total.committed
            assert sum(g.cancelled for g in groups) == total.cancelled
            assert sum(g.recovered for g in groups) == total.recovered
    figures = fund_execution(session, "mfg", 2025, AS_OF)
    assert {c.key for c in figures.cities} == {"合肥市", "芜湖市"}


@needs_embedded_font
def test_the_fund_execution_report_prints_the_totals_and_a_table_per_city(
    session: Session, books: dict[str, str]
) -> None:
    total = grants.fund_year_execution(session, "mfg", 2026, AS_OF)
    pages = pages_of(fund_execution_pdf(session, "mfg", 2026, AS_OF))
    text = "\n".join(pages)
    assert_stamped(pages, session, AS_OF)
    for amount in (total.budget, total.committed, total.paid, total.available, total.cancelled):
        assert format_yuan(amount) in text
    assert "相符" in text
    assert "合肥市（1 项" in text
    assert "芜湖市（1 项" in text
    assert books["zone"] in text
    assert books["cluster"] in text


@needs_embedded_font
def test_the_compliance_report_lists_every_open_alert_with_its_clause(
    session: Session, books: dict[str, str]
) -> None:
    alerts = list_alerts(session, AlertFilter())
    pages = pages_of(compliance_pdf(session))
    text = "\n".join(pages).replace("\n", "")
    assert_stamped(pages, session, AS_OF)
    assert alerts
    assert f"未解决的预警共 {len(alerts)} 条" in text
    for alert in alerts:
        assert alert.rule in text
        assert alert.clause.split(" (")[0].replace(" ", "") in text.replace(" ", "")


@needs_embedded_font
def test_the_clawback_register_shows_due_recovered_and_outstanding(
    session: Session, books: dict[str, str]
) -> None:
    [line] = clawback_register(session, AS_OF)
    assert (line.due, line.recovered, line.outstanding) == (400 * 10**6, 100 * 10**6, 300 * 10**6)
    pages = pages_of(clawback_pdf(session, AS_OF))
    text = "\n".join(pages)
    assert_stamped(pages, session, AS_OF)
    assert books["zone"] in text
    assert "弄虚作假" in text
    assert "SH-1" in text
    for amount in (line.due, line.recovered, line.outstanding, line.cancelled):
        assert format_yuan(amount) in text
    assert clawback_register(session, date(2026, 1, 14)) == []


@needs_embedded_font
def test_the_plan_report_shows_the_funded_candidates_and_the_baselines(
    session: Session, books: dict[str, str]
) -> None:
    run = store_plan(session)
    pages = pages_of(plan_pdf(session, run.id or 0))
    text = "\n".join(pages)
    assert_stamped(pages, session, run.created_at.date())
    assert "三个候选 test" in text
    assert "合肥市示例集群" in text
    assert "芜湖市示例集群" in text
    assert "与基准方案比较" in text
    assert "greedy" in text
    assert format_yuan(400 * 10**6) in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm not installed")
def test_the_first_page_of_every_report_renders_to_a_non_blank_image(
    session: Session, books: dict[str, str], tmp_path: Path
) -> None:
    run = store_plan(session)
    reports = {
        "award": award_statement_pdf(session, [books["zone"]], AS_OF),
        "fund": fund_execution_pdf(session, "mfg", 2025, AS_OF),
        "compliance": compliance_pdf(session),
        "clawback": clawback_pdf(session, AS_OF),
        "plan": plan_pdf(session, run.id or 0),
    }
    for name, pdf in reports.items():
        image = Image.open(render_first_page(pdf, tmp_path, name)).convert("L")
        dark = sum(image.histogram()[:128])
        assert dark > 500, f"{name}: page 1 looks blank ({dark} dark pixels)"
