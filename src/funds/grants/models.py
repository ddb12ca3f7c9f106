"""Grant records: funds and budgets, recipients, enterprises, awards and their stages,
assessments, exits, recoveries, pass-through, own spending and report submissions.

These tables describe the domain; the money itself lives in the ledger, and every row that
moved money names the entry (``entry_id``) that did it, so an auditor can go from a
voucher to the journal and back. Money columns are integer 分.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import PrivateAttr
from sqlalchemy import BigInteger, Column, DateTime, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def _money(nullable: bool = False) -> Column[int]:
    return Column(BigInteger, nullable=nullable)


def _stamp() -> Column[datetime]:
    return Column(DateTime(timezone=False), nullable=False)


class Fund(SQLModel, table=True):
    """A named special fund (资金来源), e.g. 省制造强省建设资金."""

    __tablename__ = "fund"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    name: str = Field(max_length=200)
    registered_by: str = Field(
        default="", sa_column=Column(String(120), nullable=False, server_default="")
    )
    """Who registered the row (the CLI's ``--actor`` or the API user); empty before 0008."""
    registered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=False), nullable=True)
    )
    """When it was registered (UTC, naive); NULL for rows registered before 0008."""


class FundYear(SQLModel, table=True):
    """A fund's annual budget (年度资金预算规模)."""

    __tablename__ = "fund_year"
    __table_args__ = (UniqueConstraint("fund_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(foreign_key="fund.id")
    year: int
    budget: int = Field(sa_column=_money())
    """Current annual budget in 分 (the sum of the original and every amendment)."""


class BudgetChange(SQLModel, table=True):
    """Each setting or amendment of an annual budget, with its reason."""

    __tablename__ = "budget_change"

    id: int | None = Field(default=None, primary_key=True)
    fund_year_id: int = Field(foreign_key="fund_year.id", index=True)
    previous: int = Field(sa_column=_money())
    """Budget before the change, 分."""
    budget: int = Field(sa_column=_money())
    """Budget after the change, 分."""
    reason: str = Field(max_length=500)
    effective_date: date
    actor: str = Field(max_length=120)
    recorded_at: datetime = Field(sa_column=_stamp())
    entry_id: int = Field(foreign_key="ledger_entry.id")


class Recipient(SQLModel, table=True):
    """A body that receives provincial money: county, district, development zone or cluster."""

    __tablename__ = "recipient"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    city: str = Field(max_length=20, index=True)
    county: str = Field(default="", max_length=40)
    registered_by: str = Field(
        default="", sa_column=Column(String(120), nullable=False, server_default="")
    )
    """Who registered the row (the CLI's ``--actor`` or the API user); empty before 0008."""
    registered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=False), nullable=True)
    )
    """When it was registered (UTC, naive); NULL for rows registered before 0008."""


class Enterprise(SQLModel, table=True):
    """A final beneficiary, identified by its 统一社会信用代码."""

    __tablename__ = "enterprise"

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(sa_column=Column(String(18), nullable=False, unique=True))
    name: str = Field(max_length=200)
    city: str = Field(max_length=20)
    registered_by: str = Field(
        default="", sa_column=Column(String(120), nullable=False, server_default="")
    )
    """Who registered the row (the CLI's ``--actor`` or the API user); empty before 0008."""
    registered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=False), nullable=True)
    )
    """When it was registered (UTC, naive); NULL for rows registered before 0008."""


class Award(SQLModel, table=True):
    """An award committed to a recipient under a programme, paid in stages."""

    __tablename__ = "award"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    programme: str = Field(max_length=30, index=True)
    tier: str = Field(default="", max_length=20)
    recipient_id: int = Field(foreign_key="recipient.id", index=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    amount: int = Field(sa_column=_money())
    """Total awarded, 分 (the sum of the stages)."""
    granted_on: date
    recognition_expires: date | None = None
    """Last day the recognition is valid (county clusters): the grant date's corresponding day
    three years on, or the month's last day when there is none (2024-02-29 → 2027-02-28), the
    way 民法典 第二百零一条、第二百零二条 count periods in years (COUNTY-PLAN 附件4 第六条)."""
    status: str = Field(default="active", max_length=20)
    """active, exited (zone), revoked (cluster), closed."""
    ended_on: date | None = None
    granted_by: str = Field(max_length=120)
    recorded_at: datetime = Field(sa_column=_stamp())
    # The figures a county cluster was recognised on (COUNTY-PLAN 附件4 第三条); empty for
    # other programmes and for county awards stored before the criteria were checked.
    cluster_revenue: int | None = Field(default=None, sa_column=_money(nullable=True))
    """集群营业收入, 分."""
    leading_enterprises: int | None = None
    """龙头企业 (at least one)."""
    quality_enterprises: int | None = None
    """优质企业: 高新技术、专精特新、“小巨人”、单项冠军 (at least 50)."""
    rd_intensity_bp: int | None = None
    """平均研发投入强度 in basis points (0.01 %): 2.2 % is 220 (at least 220)."""
    first_in_province: bool | None = None
    """营业收入居全省同行业第一位 (relaxes the 100亿 revenue criterion)."""
    top_nationally: bool | None = None
    """营业收入位居全国同行业前列 (relaxes the 100亿 revenue criterion)."""


class Stage(SQLModel, table=True):
    """One tranche of an award, committed against its planned year's budget."""

    __tablename__ = "award_stage"
    __table_args__ = (UniqueConstraint("award_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    seq: int
    year: int
    amount: int = Field(sa_column=_money())
    """Amount of the tranche, 分."""
    gate: str = Field(max_length=20)
    status: str = Field(default="committed", max_length=20)
    """committed, requested, paid, cancelled, forfeited."""
    commit_entry_id: int = Field(foreign_key="ledger_entry.id")
    requested_by: str | None = Field(default=None, max_length=120)
    requested_on: date | None = None
    approved_by: str | None = Field(default=None, max_length=120)
    paid_on: date | None = None
    release_entry_id: int | None = Field(default=None, foreign_key="ledger_entry.id")
    closed_on: date | None = None
    close_entry_id: int | None = Field(default=None, foreign_key="ledger_entry.id")
    note: str = Field(default="", max_length=500)


class Assessment(SQLModel, table=True):
    """An annual assessment result (or a re-assessment after rectification)."""

    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_award_year", "award_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id")
    year: int
    grade: str = Field(max_length=20)
    assessed_on: date
    reassessment: bool = False
    rectification_due: date | None = None
    deemed: bool = False
    """True when the engine recorded it because the deadline passed with nothing submitted."""
    actor: str = Field(max_length=120)
    recorded_at: datetime = Field(sa_column=_stamp())


class Termination(SQLModel, table=True):
    """An exit (zone) or revocation (cluster): unpaid stages cancelled, recovery raised."""

    __tablename__ = "termination"

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", unique=True)
    kind: str = Field(max_length=20)
    reason: str = Field(max_length=30)
    effective_date: date
    note: str = Field(default="", max_length=500)
    recoverable: int = Field(sa_column=_money())
    """Receivable raised, 分: all money paid when recovery applies, else 0."""
    recovery_due: date | None = None
    entry_id: int | None = Field(default=None, foreign_key="ledger_entry.id")
    actor: str = Field(max_length=120)
    recorded_at: datetime = Field(sa_column=_stamp())


class Recovery(SQLModel, table=True):
    """A repayment of recovered money, or a write-off with its reason."""

    __tablename__ = "recovery"

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    kind: str = Field(max_length=20)
    amount: int = Field(sa_column=_money())
    """Amount repaid or written off, 分."""
    effective_date: date
    voucher: str | None = Field(default=None, max_length=120)
    reason: str = Field(default="", max_length=500)
    entry_id: int = Field(foreign_key="ledger_entry.id")
    reversed_by: int | None = Field(default=None, foreign_key="ledger_entry.id")
    actor: str = Field(max_length=120)


class Use(SQLModel, table=True):
    """Money the recipient passed on to an enterprise, or spent itself, for a purpose."""

    __tablename__ = "award_use"
    __table_args__ = (
        Index("ix_award_use_award_kind", "award_id", "kind"),
        # Covers the compliance scan's totals (funds.compliance.snapshot._uses): migration 0007.
        Index(
            "ix_award_use_totals",
            "award_id",
            "kind",
            "enterprise_id",
            "amount",
            "effective_date",
            "reversed_by",
        ),
        # A use's voucher is looked up in its award (funds.grants.usage): migration 0012.
        Index(
            "ix_award_use_award_voucher",
            "award_id",
            "voucher",
            sqlite_where=text("voucher IS NOT NULL"),
            postgresql_where=text("voucher IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    kind: str = Field(max_length=20)
    """pass_through (下达企业) or own_use (自用)."""
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    purpose: str = Field(max_length=100)
    amount: int = Field(sa_column=_money())
    """Amount passed on or spent, 分."""
    effective_date: date
    voucher: str | None = Field(default=None, max_length=120)
    entry_id: int = Field(foreign_key="ledger_entry.id")
    reversed_by: int | None = Field(default=None, foreign_key="ledger_entry.id")
    actor: str = Field(max_length=120)

    _totals_after: tuple[int, int] | None = PrivateAttr(default=None)

    @property
    def totals_after(self) -> tuple[int, int] | None:
        """The award's ``(passed on, paid)`` in 分 right after this use was recorded, read
        with its writes; ``None`` for a use loaded from the database."""
        private = self.__pydantic_private__  # a row loaded from the database has none
        return None if private is None else private.get("_totals_after")


class RectificationSubmission(SQLModel, table=True):
    """A zone's rectification materials, submitted again after a 不合格 (ZONE-GUIDE 评估管理:
    在整改时限内再次提交评价材料和相关佐证材料); the province re-assesses after them."""

    __tablename__ = "rectification_submission"
    __table_args__ = (UniqueConstraint("award_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id")
    year: int
    """The assessed year whose 不合格 is being rectified."""
    submitted_on: date
    actor: str = Field(max_length=120)
    recorded_at: datetime = Field(sa_column=_stamp())


class ReportSubmission(SQLModel, table=True):
    """A progress report received: quarterly (zones) or annual (county clusters)."""

    __tablename__ = "report_submission"
    __table_args__ = (UniqueConstraint("award_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id")
    period: str = Field(max_length=10)
    """``2026Q1`` for a quarter, ``2025`` for a year."""
    submitted_on: date
    actor: str = Field(max_length=120)
