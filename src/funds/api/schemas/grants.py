"""Bodies of the grants routes: funds, budgets, recipients, enterprises, awards, stages,
use of money, assessments, exits, recoveries, reports and reversals."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import ConfigDict, Field, JsonValue

from funds.api.schemas.common import Strict
from funds.api.types import Amount, Code, Day, Year, code_field, text_field
from funds.grants.records import RECIPIENT_KINDS
from funds.policy import ExitReason, Grade, Programme

Name = Annotated[str, text_field(200, min_length=1)]


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    listed = cast(JsonValue, list(examples))
    return ConfigDict(extra="forbid", json_schema_extra={"examples": listed})


# -- requests ----------------------------------------------------------------------------


class FundCreate(Strict):
    """A special fund (资金来源) to register."""

    model_config = _examples({"code": "mfg", "name": "省制造强省建设资金"})
    code: Code
    name: Name


class BudgetSet(Strict):
    """Set or amend (with a reason) a fund's annual budget."""

    model_config = _examples(
        {
            "year": 2025,
            "amount": "80000000.00",
            "reason": "年度预算",
            "effective_date": "2024-12-01",
        }
    )
    year: Year
    amount: Amount
    reason: Annotated[str, text_field(500, min_length=1)] = "年度预算"
    effective_date: Day | None = None


RecipientKind = Literal["county", "district", "development_zone", "local_zone", "cluster"]
assert set(get_args(RecipientKind)) == set(RECIPIENT_KINDS)


class RecipientCreate(Strict):
    """A recipient (county, district, development zone or cluster) to register."""

    model_config = _examples(
        {"code": "HF-GX", "name": "合肥高新区", "kind": "development_zone", "city": "合肥"}
    )
    code: Code
    name: Name
    kind: RecipientKind = Field(
        description="development_zone: 省级以上开发区 (national or provincial);"
        " local_zone: a development zone below provincial level, which no zone grant may go to"
    )
    city: Annotated[str, text_field(20, min_length=1)] = Field(
        description="One of Anhui's 16 cities."
    )
    county: Annotated[str, text_field(40)] = ""


class EnterpriseCreate(Strict):
    """An enterprise, by its 统一社会信用代码 (check character validated)."""

    model_config = _examples(
        {"credit_code": "91340100MA0000001K", "name": "合肥示例企业", "city": "合肥"}
    )
    credit_code: Annotated[
        str, Field(min_length=18, max_length=18, pattern=r"^[0-9A-Za-z]{18}$")
    ]  # stored upper-case, as the CLI and the imports store it
    name: Name
    city: Annotated[str, text_field(20, min_length=1)]


class StagePlanIn(Strict):
    """One stage planned explicitly: its year and amount."""

    year: Year
    amount: Amount


REVENUE_PATTERN = r"^[0-9][0-9,]{0,17}(\.[0-9]{1,10})?(亿元|万元|亿|万|元)?$"
"""An amount as officers write it, read by :func:`funds.money.parse_fen`: ``120亿``,
``12000000000.00`` (元)."""
PERCENT_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,2})?%?$"
"""An exact percent with at most two decimals: ``2.2%`` or ``2.2``."""


class CountyCriteriaIn(Strict):
    """The figures a county cluster is recognised on (COUNTY-PLAN 附件4 第三条).

    Revenue of at least 100亿元 (relaxed only when the cluster's revenue is first in the
    province or near the top nationally), at least one leading enterprise, at least 50
    quality enterprises, an average R&D intensity of at least 2.2 %.
    """

    revenue: Annotated[str, Field(pattern=REVENUE_PATTERN, examples=["120亿"])] = Field(
        description="集群营业收入: 亿/万/元 text, or 元 as a decimal string; never a number."
    )
    leading_enterprises: Annotated[int, Field(ge=0, le=100_000)]
    quality_enterprises: Annotated[int, Field(ge=0, le=100_000)]
    rd_intensity: Annotated[str, Field(pattern=PERCENT_PATTERN, examples=["2.4%"])] = Field(
        description="平均研发投入强度 as an exact percent text; never a number."
    )
    first_in_province: bool = False
    top_nationally: bool = False


class AwardCreate(Strict):
    """An award to grant; its stages are committed against each year's budget at once.

    Clusters give ``tier`` (the amount is fixed by it); zones and county clusters give
    ``amount``. Stages default to the programme's split over consecutive years; ``split``
    (percentages) or ``stages`` (explicit years and amounts) override it. A county cluster
    also gives ``county``, the figures its recognition rests on (required).
    """

    model_config = _examples(
        {
            "programme": "service_zone",
            "recipient": "HF-GX",
            "fund": "mfg",
            "amount": "10000000.00",
            "granted_on": "2025-03-18",
        },
        {
            "programme": "advanced_cluster",
            "recipient": "WH-CL",
            "fund": "mfg",
            "tier": "provincial",
            "split": [40, 30, 30],
            "granted_on": "2025-03-18",
        },
        {
            "programme": "county_cluster",
            "recipient": "AQ-HN",
            "fund": "mfg",
            "amount": "3000000.00",
            "granted_on": "2025-06-20",
            "county": {
                "revenue": "120亿",
                "leading_enterprises": 2,
                "quality_enterprises": 60,
                "rd_intensity": "2.4%",
            },
        },
    )
    programme: Programme
    recipient: Code
    fund: Code
    granted_on: Day
    amount: Amount | None = None
    tier: Literal["", "world", "national", "provincial"] = ""
    split: Annotated[list[Annotated[int, Field(ge=1, le=100)]], Field(max_length=10)] | None = None
    stages: Annotated[list[StagePlanIn], Field(min_length=1, max_length=10)] | None = None
    code: Annotated[str, code_field()] | None = None
    county: CountyCriteriaIn | None = None


class StageAction(Strict):
    """Request or approve a stage release on a date (default: today)."""

    model_config = _examples({"on": "2025-04-08"})
    on: Day | None = None


class PassThroughCreate(Strict):
    """Money the recipient passed on (下达) to an enterprise."""

    model_config = _examples(
        {
            "enterprise": "91340100MA0000001K",
            "amount": "3500000.00",
            "purpose": "培育服务型制造标杆企业",
            "voucher": "PZ-1",
            "on": "2025-06-01",
        }
    )
    enterprise: Annotated[str, Field(min_length=1, max_length=18, pattern=r"^[0-9A-Za-z]+$")]
    amount: Amount
    purpose: Annotated[str, text_field(100, min_length=1)]
    voucher: Annotated[str, text_field(120)] | None = None
    on: Day | None = None


class SpendingCreate(Strict):
    """The recipient's own spending (自用), for a purpose from the programme's list."""

    model_config = _examples(
        {"amount": "500000.00", "purpose": "诊断宣贯", "voucher": "PZ-2", "on": "2025-06-15"}
    )
    amount: Amount
    purpose: Annotated[str, text_field(100, min_length=1)]
    voucher: Annotated[str, text_field(120)] | None = None
    on: Day | None = None


class AssessmentCreate(Strict):
    """An assessment result; its consequences (forfeit, rectification, exit) follow."""

    model_config = _examples({"year": 2026, "grade": "qualified", "on": "2026-04-30"})
    year: Year
    grade: Grade
    on: Day | None = None
    reassessment: bool = False


class RectificationCreate(Strict):
    """A zone's rectification materials, submitted within the rectification period
    (在整改时限内再次提交评价材料): the re-assessment may then follow after the due date."""

    model_config = _examples({"year": 2026, "on": "2026-07-20"})
    year: Year
    on: Day | None = None


class TerminationCreate(Strict):
    """Exit (zone) or revoke (cluster): unpaid stages cancelled, recovery raised if due."""

    model_config = _examples({"reason": "fraud", "note": "审计发现虚报", "on": "2026-05-01"})
    reason: ExitReason
    note: Annotated[str, text_field(500)] = ""
    on: Day | None = None


class RecoveryCreate(Strict):
    """A repayment of recovered money (partial allowed), or a write-off with a reason."""

    model_config = _examples(
        {"amount": "1000000.00", "kind": "repayment", "voucher": "HK-1", "on": "2026-09-01"}
    )
    amount: Amount
    kind: Literal["repayment", "write_off"] = "repayment"
    reason: Annotated[str, text_field(500)] = ""
    voucher: Annotated[str, text_field(120)] | None = None
    on: Day | None = None


class ReportCreate(Strict):
    """A progress report received: ``2026Q1`` (zones, quarterly) or ``2025`` (county)."""

    model_config = _examples({"period": "2025Q2", "on": "2025-07-05"})
    period: Annotated[str, Field(pattern=r"^[0-9]{4}(Q[1-4])?$")]
    on: Day | None = None


class DeadlinesRun(Strict):
    """Deem missing assessments and missed rectifications 不合格 as of a date."""

    model_config = _examples({"as_of": "2026-07-01"})
    as_of: Day | None = None


class ReversalCreate(Strict):
    """Reverse a mistaken entry (budget, release, pass-through, spending, recovery)."""

    model_config = _examples({"reason": "金额录入错误", "on": "2025-06-02"})
    reason: Annotated[str, text_field(500, min_length=1)]
    on: Day | None = None


# -- responses ---------------------------------------------------------------------------


class FundRead(Strict):
    """A fund with its annual budgets."""

    code: str
    name: str
    registered_by: str = Field(
        default="", description="Who registered it (empty: registered before this was recorded)."
    )
    budgets: dict[str, str] = Field(
        default_factory=dict, description="Budget per year (元), keyed by year."
    )


class BudgetRead(Strict):
    """A fund-year's budget after the change."""

    fund: str
    year: int
    budget: str


class ExecutionRead(Strict):
    """A fund-year's execution as of a date (元)."""

    fund: str
    year: int
    as_of: date
    budget: str
    committed: str
    paid: str
    available: str
    recovered: str
    cancelled: str


class RecipientRead(Strict):
    """A recipient."""

    code: str
    name: str
    kind: str
    city: str
    county: str
    registered_by: str = Field(
        default="", description="Who registered it (empty: registered before this was recorded)."
    )


class EnterpriseRead(Strict):
    """An enterprise."""

    credit_code: str
    name: str
    city: str
    registered_by: str = Field(
        default="", description="Who registered it (empty: registered before this was recorded)."
    )


class StageRead(Strict):
    """A stage as of a date."""

    seq: int
    year: int
    amount: str
    gate: str
    status: str
    paid_on: date | None
    requested_by: str | None
    approved_by: str | None
    closed_on: date | None
    note: str


class UseLineRead(Strict):
    """Pass-through to one enterprise, or own use for one purpose, summed (元)."""

    key: str
    name: str
    city: str
    amount: str


class CountyCriteriaRead(Strict):
    """The figures a county recognition rested on (revenue in 元, intensity in percent)."""

    revenue: str
    leading_enterprises: int
    quality_enterprises: int
    rd_intensity_percent: str
    first_in_province: bool
    top_nationally: bool


class AwardStatementRead(Strict):
    """Everything about one award as of a date (amounts in 元)."""

    code: str
    programme: str
    tier: str
    recipient_code: str
    recipient_name: str
    city: str
    fund: str
    amount: str
    granted_on: date
    status: str
    ended_on: date | None
    as_of: date
    committed: str
    paid: str
    held: str
    passed_on: str
    spent: str
    receivable: str
    recoverable: str
    recovered: str
    written_off: str
    recovery_due: date | None
    min_pass_through_percent: int | None
    pass_through_percent: str
    stages: list[StageRead]
    enterprises: list[UseLineRead]
    purposes: list[UseLineRead]
    county: CountyCriteriaRead | None = Field(
        default=None, description="County clusters: the figures of the recognition."
    )


class AwardSummaryRead(Strict):
    """An award in a list."""

    code: str
    programme: str
    tier: str
    recipient: str
    recipient_name: str
    city: str
    fund: str
    amount: str
    granted_on: date
    status: str
    ended_on: date | None


class RecipientSummaryRead(Strict):
    """A recipient with the statement of each of its awards."""

    code: str
    name: str
    kind: str
    city: str
    county: str
    awards: list[AwardStatementRead]


class StageActionRead(Strict):
    """A stage after a request or an approval."""

    award: str
    seq: int
    year: int
    amount: str
    status: str
    requested_by: str | None
    approved_by: str | None
    paid_on: date | None
    entry: int | None = Field(description="The release entry, once paid.")


class UseRead(Strict):
    """A pass-through or own spending as recorded."""

    award: str
    kind: str
    enterprise: str | None
    purpose: str
    amount: str
    effective_date: date
    voucher: str | None
    entry: int
    actor: str
    pass_through_percent: str = Field(description="Passed on ÷ received, after this record.")


class ConsequenceRead(Strict):
    """Something that followed from a result, a deadline or an exit."""

    award: str
    action: str
    detail: str


class ConsequencesRead(Strict):
    """What was recorded and what followed from it."""

    message: str
    consequences: list[ConsequenceRead]


class RecoveryRead(Strict):
    """A repayment or write-off as recorded, and what is still outstanding."""

    award: str
    kind: str
    amount: str
    effective_date: date
    voucher: str | None
    reason: str
    entry: int
    actor: str
    outstanding: str


class RectificationRead(Strict):
    """Rectification materials as recorded."""

    award: str
    year: int
    submitted_on: date
    actor: str


class ReportRead(Strict):
    """A progress report as recorded."""

    award: str
    period: str
    submitted_on: date
    actor: str


class ReceiptRead(Strict):
    """Money one enterprise received under one award."""

    award: str
    recipient: str
    purpose: str
    amount: str
    effective_date: date
    voucher: str | None


class ReversalRead(Strict):
    """A reversal as posted."""

    reversed: int
    entry: int
    replayed: bool
