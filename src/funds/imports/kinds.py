"""What each kind of sheet holds: its columns, their headers and how each cell is read.

A kind is a list of :class:`Column`: the field name the services take, the Chinese header
the template prints, the English header also accepted, a few other spellings officers use,
and the reader of :mod:`funds.imports.cells`. Headers are matched after removing spaces,
case and a trailing unit in brackets (``金额（元）`` is ``金额``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from funds.grants.records import RECIPIENT_KINDS
from funds.imports import cells
from funds.policy import ALIASES, PROGRAMMES, Grade

Reader = Callable[[object], object]


@dataclass(frozen=True)
class Column:
    """One column of a sheet kind."""

    field: str
    zh: str
    en: str
    read: Reader
    required: bool = True
    note: str = ""
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Every header this column answers to."""
        return (self.zh, self.en, self.field, *self.aliases)


@dataclass(frozen=True)
class Kind:
    """A kind of sheet: recipients, enterprises, awards, releases, ... (see :data:`KINDS`)."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    summary: str
    aliases: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        """Return the column named ``name`` (its field)."""
        return next(c for c in self.columns if c.field == name)

    def has(self, name: str) -> bool:
        """Tell whether the kind has a column for field ``name``."""
        return any(c.field == name for c in self.columns)

    def match(self, header: str) -> Column | None:
        """Return the column a header names, or ``None`` when it names none."""
        wanted = header_key(header)
        for column in self.columns:
            if wanted in {header_key(n) for n in column.names()}:
                return column
        return None


def header_key(header: str) -> str:
    """Normalise a header: no spaces, lower case, no trailing ``(元)`` / ``（元）``."""
    text = re.sub(r"\s+", "", str(header)).lower()
    text = re.sub(r"[(（][^)）]*[)）]$", "", text)
    return text.replace("_", "").replace("-", "")


def _choices(pairs: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, words in pairs.items():
        for word in (*words, value):
            out[word] = value
            out[word.lower()] = value
    return out


RECIPIENT_KIND_WORDS = _choices(
    {
        "county": ("县", "县域"),
        "district": ("区", "市辖区"),
        "development_zone": (
            "开发区",
            "园区",
            "省级以上开发区",
            "国家级开发区",
            "省级开发区",
            "高新区",
            "经开区",
            "高新技术产业开发区",
            "经济技术开发区",
        ),
        "local_zone": ("省级以下开发区", "市级开发区", "县级开发区", "市级园区", "县级园区"),
        "cluster": ("集群", "产业集群"),
    }
)
assert set(RECIPIENT_KIND_WORDS.values()) == set(RECIPIENT_KINDS)


def _aliases(value: str) -> tuple[str, ...]:
    """The names officers type for ``value`` (``funds.policy.ALIASES``, the CLI's table)."""
    return tuple(word for word, meant in ALIASES.items() if str(meant) == value)


PROGRAMME_WORDS = _choices(
    {
        str(p): (rules.name_zh, rules.name_en, rules.code_prefix, *_aliases(str(p)))
        for p, rules in PROGRAMMES.items()
    }
)
TIER_WORDS = _choices(
    {"world": ("世界级",), "national": ("国家级",), "provincial": ("省级",), "": ("无",)}
)
GRADE_WORDS = _choices(
    {str(grade): (*_aliases(str(grade)),) for grade in Grade}
    | {str(Grade.NOT_SUBMITTED): (*_aliases(str(Grade.NOT_SUBMITTED)), "not submitted")}
)

_name = partial(cells.as_text, max_length=200)
_purpose = partial(cells.as_text, max_length=100)
_person = partial(cells.as_text, max_length=120)
_voucher = partial(cells.as_text, max_length=120)
_year = partial(cells.as_whole, low=2000, high=2100)
_stage = partial(cells.as_whole, low=1, high=50)
_count = partial(cells.as_whole, low=0, high=100_000)

_AWARD = Column("award", "奖补编号", "award", cells.as_code, note="e.g. ZONE-2025-0001")
_DATE_NOTE = "2025-03-01, 2025/3/1 or a date cell"
_AMOUNT_NOTE = "bare numbers are 元; 500万, 0.5亿 and 5,000,000.00 are read as written"

RECIPIENTS = Kind(
    "recipients",
    "受助单位",
    (
        Column("code", "单位编码", "code", cells.as_code, aliases=("编码",)),
        Column("name", "单位名称", "name", _name, aliases=("名称",)),
        Column(
            "kind",
            "单位类型",
            "kind",
            partial(cells.as_choice, choices=RECIPIENT_KIND_WORDS),
            note="县、区、开发区（省级以上）、省级以下开发区、集群"
            " (county, district, development_zone, local_zone, cluster)",
            aliases=("类型",),
        ),
        Column("city", "所属市", "city", _name, note="one of Anhui's 16 cities", aliases=("市",)),
        Column("county", "县区", "county", _name, required=False, aliases=("县(区)",)),
    ),
    "recipients: counties, districts, development zones, clusters",
    aliases=("recipient",),
)
ENTERPRISES = Kind(
    "enterprises",
    "企业",
    (
        Column(
            "credit_code",
            "统一社会信用代码",
            "credit code",
            cells.as_credit_code,
            note="18 characters, check character verified",
            aliases=("信用代码",),
        ),
        Column("name", "企业名称", "name", _name, aliases=("名称",)),
        Column("city", "所属市", "city", _name, note="one of Anhui's 16 cities", aliases=("市",)),
    ),
    "enterprises (final beneficiaries) by 统一社会信用代码",
    aliases=("enterprise",),
)
AWARDS = Kind(
    "awards",
    "奖补",
    (
        Column("code", "奖补编号", "code", cells.as_code, note="the award's public code"),
        Column(
            "programme",
            "项目类别",
            "programme",
            partial(cells.as_choice, choices=PROGRAMME_WORDS),
            note="先进制造业集群奖补、服务型制造集聚区奖补、县域制造业特色产业集群",
        ),
        Column("recipient", "单位编码", "recipient", cells.as_code, aliases=("受助单位编码",)),
        Column("fund", "资金来源", "fund", cells.as_code, note="fund code, e.g. mfg"),
        Column(
            "tier",
            "集群等级",
            "tier",
            partial(cells.as_choice, choices=TIER_WORDS),
            required=False,
            note="世界级、国家级、省级 (advanced clusters only)",
        ),
        Column(
            "amount",
            "奖补金额",
            "amount",
            cells.as_amount,
            required=False,
            note="required except for advanced clusters; " + _AMOUNT_NOTE,
            aliases=("金额",),
        ),
        Column(
            "split",
            "分期比例",
            "split",
            cells.as_split,
            required=False,
            note="whole percents per year, e.g. 40/30/30 (default: the programme's)",
        ),
        Column("granted_on", "立项日期", "granted on", cells.as_date, note=_DATE_NOTE),
        # A county cluster's recognition figures (COUNTY-PLAN 附件4 第三条): required for one.
        Column(
            "revenue",
            "集群营业收入",
            "cluster revenue",
            cells.as_amount,
            required=False,
            note="county clusters (≥ 100亿); " + _AMOUNT_NOTE,
            aliases=("营业收入",),
        ),
        Column(
            "leading_enterprises",
            "龙头企业数",
            "leading enterprises",
            _count,
            required=False,
            note="county clusters (at least 1)",
        ),
        Column(
            "quality_enterprises",
            "优质企业数",
            "quality enterprises",
            _count,
            required=False,
            note="county clusters (at least 50)",
        ),
        Column(
            "rd_intensity",
            "研发投入强度",
            "R&D intensity",
            cells.as_percent,
            required=False,
            note="county clusters (at least 2.2%); type 2.2% as text",
            aliases=("平均研发投入强度",),
        ),
        Column(
            "first_in_province",
            "全省同行业第一",
            "first in province",
            cells.as_yes_no,
            required=False,
            note="是 when the cluster's revenue is first in the province (放宽营业收入)",
        ),
        Column(
            "top_nationally",
            "全国同行业前列",
            "top nationally",
            cells.as_yes_no,
            required=False,
            note="是 when the cluster's revenue is near the top nationally (放宽营业收入)",
        ),
    ),
    "awards granted, committed against each year's budget",
    aliases=("award",),
)
RELEASES = Kind(
    "releases",
    "拨付",
    (
        _AWARD,
        Column("seq", "期次", "stage", _stage, note="1, 2, 3 ..."),
        Column("requested_by", "申请人", "requested by", _person),
        Column("approved_by", "审批人", "approved by", _person, note="not the requester"),
        Column("on", "拨付日期", "paid on", cells.as_date, note=_DATE_NOTE, aliases=("日期",)),
    ),
    "stage releases (maker-checker: requested by one officer, approved by another)",
    aliases=("release", "stages"),
)
PASS_THROUGH = Kind(
    "pass_through",
    "下达企业",
    (
        _AWARD,
        Column(
            "enterprise",
            "统一社会信用代码",
            "enterprise",
            cells.as_credit_code,
            aliases=("信用代码", "credit code"),
        ),
        Column("amount", "金额", "amount", cells.as_amount, note=_AMOUNT_NOTE),
        Column("purpose", "用途", "purpose", _purpose),
        Column(
            "voucher",
            "凭证号",
            "voucher",
            _voucher,
            required=False,
            note="the natural key of the row when present",
        ),
        Column("on", "下达日期", "date", cells.as_date, note=_DATE_NOTE, aliases=("日期",)),
    ),
    "money a recipient passed on (下达) to enterprises",
    aliases=("pass-through", "passthrough"),
)
SPENDING = Kind(
    "spending",
    "自用",
    (
        _AWARD,
        Column("amount", "金额", "amount", cells.as_amount, note=_AMOUNT_NOTE),
        Column("purpose", "用途", "purpose", _purpose, note="an own-use purpose of the programme"),
        Column("voucher", "凭证号", "voucher", _voucher, required=False),
        Column("on", "支出日期", "date", cells.as_date, note=_DATE_NOTE, aliases=("日期",)),
    ),
    "the recipient's own spending (自用)",
    aliases=("spend", "own_use"),
)
ASSESSMENTS = Kind(
    "assessments",
    "考核结果",
    (
        _AWARD,
        Column("year", "考核年度", "year", _year, aliases=("年度",)),
        Column(
            "grade",
            "考核结果",
            "grade",
            partial(cells.as_choice, choices=GRADE_WORDS),
            note="优秀、合格、不合格、未参加评估",
            aliases=("结果",),
        ),
        Column("on", "评估日期", "date", cells.as_date, note=_DATE_NOTE, aliases=("日期",)),
        Column(
            "reassessment",
            "是否复评",
            "reassessment",
            cells.as_yes_no,
            required=False,
            note="是 for the re-assessment after rectification",
            aliases=("复评",),
        ),
    ),
    "annual assessment results (and re-assessments)",
    aliases=("assessment",),
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (RECIPIENTS, ENTERPRISES, AWARDS, ASSESSMENTS, RELEASES, PASS_THROUGH, SPENDING)
}
"""Every kind, in the order a workbook holding several of them is applied."""


def kind_named(name: str) -> Kind | None:
    """Return the kind a name (``pass_through``, ``pass-through``, ``下达企业``) means."""
    wanted = header_key(name)
    for kind in KINDS.values():
        if wanted in {header_key(n) for n in (kind.name, kind.zh, *kind.aliases)}:
            return kind
    return None
