"""The programmes and their rules as data, each rule citing its clause.

Three programmes (``../shared/DOMAIN.md``; the Chinese texts in ``../shared/policy/`` are the
authority): the advanced manufacturing cluster award (ADV), the service-oriented
manufacturing zone grant (ZONE) and the county characteristic cluster (CC). Every number
the engine enforces (1000万 / 500万 tiers, the 80 % pass-through floor, three months to
rectify, the 2027-12-31 validity, the 30 March report) lives here with the article it comes
from, so that an officer who is refused can be shown the sentence that refuses them.

Settings the texts leave open are marked as such and carry the defaults ``DOMAIN.md`` gives:
what happens to a stage whose year's assessment failed, and whether paid money is recovered
on revocation (:func:`configure` changes them for a process). The county cluster criteria
(COUNTY-PLAN 附件4 第三条) are checked by :func:`check_county_criteria`. This module imports
nothing of the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

WAN = 1_000_000  # 分 in one 万元


class Programme(StrEnum):
    """The three provincial programmes."""

    ADVANCED_CLUSTER = "advanced_cluster"
    SERVICE_ZONE = "service_zone"
    COUNTY_CLUSTER = "county_cluster"


class Grade(StrEnum):
    """Assessment results (ZONE-GUIDE 评估管理: 优秀、合格、不合格; not taking part = 不合格)."""

    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    UNQUALIFIED = "unqualified"  # 不合格
    NOT_SUBMITTED = "not_submitted"  # 未参加评估, counts as 不合格

    @property
    def passes(self) -> bool:
        """True for 优秀 and 合格."""
        return self in (Grade.EXCELLENT, Grade.QUALIFIED)

    @property
    def label(self) -> str:
        """The grade in the officers' words."""
        return {
            Grade.EXCELLENT: "优秀",
            Grade.QUALIFIED: "合格",
            Grade.UNQUALIFIED: "不合格",
            Grade.NOT_SUBMITTED: "未参加评估(视为不合格)",
        }[self]


class ExitReason(StrEnum):
    """Why a recipient leaves a programme."""

    FAILED_RECTIFICATION = "failed_rectification"  # 整改后评估仍不合格
    CONSECUTIVE_FAILURES = "consecutive_failures"  # 连续两年未通过考核
    FRAUD = "fraud"  # 弄虚作假
    ILLEGAL = "illegal"  # 违反相关法律法规
    VOLUNTARY = "voluntary"
    EXPIRED = "expired"  # recognition not renewed at review

    @property
    def label(self) -> str:
        """The reason in the officers' words, with its code: ``弄虚作假 (fraud)``."""
        return f"{_EXIT_REASON_ZH[self]} ({self.value})"

    @property
    def words(self) -> str:
        """The reason in the officers' words alone."""
        return _EXIT_REASON_ZH[self]


_EXIT_REASON_ZH = {
    ExitReason.FAILED_RECTIFICATION: "整改后复评仍不合格",
    ExitReason.CONSECUTIVE_FAILURES: "连续两年考核未通过",
    ExitReason.FRAUD: "弄虚作假",
    ExitReason.ILLEGAL: "违反法律法规",
    ExitReason.VOLUNTARY: "主动退出",
    ExitReason.EXPIRED: "认定到期未续",
}


class FailedStagePolicy(StrEnum):
    """What happens to the stage of a year whose assessment failed."""

    FORFEIT = "forfeit"  # the year's money is not paid; the commitment returns to the budget
    DEFER = "defer"  # the stage waits for a passing re-assessment


class Gate(StrEnum):
    """What must hold before a stage may be paid."""

    RECOGNITION = "recognition"  # the award itself (first stage)
    ASSESSMENT = "assessment"  # a passing assessment for the stage's year


@dataclass(frozen=True)
class Clause:
    """A citation: the source's short name, file, article and the sentence itself."""

    source: str
    file: str
    article: str
    text: str

    def cite(self) -> str:
        """Return ``SOURCE article (file)``, as shown to officers."""
        return f"{self.source} {self.article} ({self.file})"


ADV_OPINION = "004_2741ce775016d27b.txt"
ADV_MEASURES = "001_402e8175938750ac.txt"
ZONE_GUIDE = "000_523f110ef44b1968.txt"
COUNTY_OPINION = "002_ec57616939606aa4.txt"
COUNTY_PLAN = "003_1417568373b4d75d.txt"

CLAUSES: dict[str, Clause] = {
    "adv-amounts": Clause(
        "ADV-OPINION",
        ADV_OPINION,
        "§二十一",
        "给予新认定的国家级、世界级先进制造业集群1000万元、省级先进制造业集群500万元补助，"
        "用于支持集群企业产业科技创新实体项目、公共服务平台建设等。根据认定和考核评价结果分步到位",
    ),
    "adv-in-force": Clause(
        "ADV-OPINION",
        ADV_OPINION,
        "皖政办秘〔2023〕55号 (2023年12月1日) §二十一",
        "给予新认定的国家级、世界级先进制造业集群1000万元、省级先进制造业集群500万元补助",
    ),
    "adv-staged": Clause(
        "ADV-MEASURES",
        ADV_MEASURES,
        "第十二条",
        "根据考核评价结果和年度资金预算规模分步到位，奖补资金用于支持集群公共服务活动、"
        "公共服务平台建设、企业实体项目等",
    ),
    "adv-annual-assessment": Clause(
        "ADV-OPINION",
        ADV_OPINION,
        "§二十二",
        "按年度组织开展集群建设考核评价工作。对通过考核评价的集群，落实相关财政补助政策",
    ),
    "adv-revocation": Clause(
        "ADV-MEASURES",
        ADV_MEASURES,
        "第十四条",
        "连续两年未通过考核，或有弄虚作假、违反相关法律法规的，按程序撤销省级集群称号",
    ),
    "zone-creator": Clause(
        "ZONE-GUIDE",
        ZONE_GUIDE,
        "总则",
        "其创建主体为县（市、区）和省级以上开发区（包括高新技术开发区和经济技术开发区）",
    ),
    "zone-staged": Clause(
        "ZONE-GUIDE",
        ZONE_GUIDE,
        "评估管理",
        "统筹省制造强省建设等资金对服务型制造集聚区建设予以奖补支持，根据考核评价结果和"
        "年度资金预算规模分步到位",
    ),
    "zone-pass-through": Clause(
        "ZONE-GUIDE",
        ZONE_GUIDE,
        "评估管理",
        "创建主体应将不低于80%奖补资金下达企业……剩余资金用于开展诊断宣贯、推介典型案例、"
        "搭建公共服务平台、举办工业设计赛事等",
    ),
    "zone-grades": Clause(
        "ZONE-GUIDE",
        ZONE_GUIDE,
        "评估管理",
        "评估分为优秀、合格、不合格三个等次……不参加评估的视为不合格",
    ),
    "zone-excellent": Clause(
        "ZONE-GUIDE",
        ZONE_GUIDE,
        "评估管理",
        "评估优秀的推荐申报工业和信息化部服务型制造创新发展高地",
    ),
    "zone-rectification": Clause(
        "ZONE-GUIDE",
        ZONE_GUIDE,
        "评估管理",
        "评估不合格的，需在3个月内完成整改……整改后评估仍不合格的，退出集聚区创建",
    ),
    "zone-exit-recovery": Clause(
        "ZONE-GUIDE",
        ZONE_GUIDE,
        "评估管理",
        "退出集聚区创建的，不予下达剩余奖补，并对已拨付财政资金予以收回",
    ),
    "zone-quarterly-report": Clause(
        "ZONE-GUIDE",
        ZONE_GUIDE,
        "评估管理",
        "每季度末向省工业和信息化厅报送集聚区建设相关工作进展情况",
    ),
    "zone-validity": Clause(
        "ZONE-GUIDE", ZONE_GUIDE, "附则", "本导则自发布之日起施行，有效期至2027年12月31日"
    ),
    "county-validity": Clause(
        "COUNTY-PLAN",
        COUNTY_PLAN,
        "附件4 第六条",
        "集群有效期为3年。每次有效期满后，由省工业和信息化厅组织开展复核工作，复核通过的有效期延长3年",
    ),
    "county-scope": Clause(
        "COUNTY-PLAN",
        COUNTY_PLAN,
        "附件4 第二条",
        "本办法所指安徽省县域制造业特色产业集群(以下简称集群)是指定位在县(市、区)区划范围内,"
        "以制造业企业为主体,聚焦县域首位产业",
    ),
    "county-criteria": Clause(
        "COUNTY-PLAN",
        COUNTY_PLAN,
        "附件4 第三条",
        "原则上集群营业收入应达100亿元以上，集群营业收入居全省同行业第一位或位居全国同行业"
        "前列的集群，可适当放宽条件……至少拥有一家龙头企业……优质企业50家以上……"
        "平均研发投入强度达2.2%以上",
    ),
    "county-funding": Clause(
        "COUNTY-PLAN",
        COUNTY_PLAN,
        "附件4 第七条",
        "统筹制造强省等专项资金，开展“一群一策”诊断，支持集群编制专项规划、一图三库、建设公共平台等",
    ),
    "county-annual-report": Clause(
        "COUNTY-PLAN",
        COUNTY_PLAN,
        "附件4 第八条",
        "组织集群于每年3月30日前将上一年度集群发展情况报省工业和信息化厅",
    ),
    "budget-limit": Clause(
        "ADV-MEASURES",
        ADV_MEASURES,
        "第十二条",
        "根据考核评价结果和年度资金预算规模分步到位",
    ),
}


@dataclass(frozen=True)
class ProgrammeRules:
    """One programme's rules and settings. ``None`` means the rule does not apply."""

    programme: Programme
    code_prefix: str
    name_zh: str
    name_en: str
    tiers: dict[str, int] = field(default_factory=dict)
    """Fixed award amounts in 分 by tier; empty when the amount is set per award."""
    default_split: tuple[int, ...] = (40, 30, 30)
    """Default stage split in percent over consecutive years (officers may change it)."""
    min_stages: int = 1
    """Fewest stages an award may be planned in: 2 where the text says the money arrives
    in stages by the assessment results (分步到位), so that some of it waits for one; 1
    where the text sets no staging."""
    pass_through_purposes: tuple[str, ...] = ()
    own_use_purposes: tuple[str, ...] = ()
    min_pass_through_percent: int | None = None
    failed_stage: FailedStagePolicy = FailedStagePolicy.FORFEIT
    rectification_months: int | None = None
    revoke_after_consecutive_failures: int | None = None
    recover_on: frozenset[ExitReason] = frozenset()
    """Exit reasons on which the money already paid is recovered."""
    exit_reasons: tuple[ExitReason, ...] = tuple(ExitReason)
    """The reasons the programme's texts end an award for (others are refused)."""
    recovery_due_days: int = 90
    quarterly_report: bool = False
    annual_report_due: tuple[int, int] | None = None
    """(month, day) by which last year's annual report is due."""
    recognition_years: int | None = None
    review_opens_days: int = 90
    """Days before a recognition expires from which its review (复核) may be recorded: the text
    reviews each period once it is over (每次有效期满后, COUNTY-PLAN 附件4 第六条); a review may
    be held in the period's last days so that a passing cluster is not left unrecognised,
    never earlier (setting; the expiry alert warns over the same 90 days)."""
    recipient_kinds: tuple[str, ...] = ()
    """Kinds of recipient the programme may award (empty: any)."""
    valid_until: date | None = None
    in_force_from: date | None = None
    """The date of the text that creates the award: a grant dated earlier has no basis."""
    assessment_due: tuple[int, int] = (12, 31)
    """(month, day) in the assessed year by which its assessment must be recorded (setting)."""
    clauses: dict[str, str] = field(default_factory=dict)
    """Rule name → key in :data:`CLAUSES`."""

    def clause(self, rule: str) -> Clause | None:
        """Return the clause that a rule of this programme enforces."""
        key = self.clauses.get(rule)
        return CLAUSES[key] if key else None

    def recovers(self, reason: ExitReason) -> bool:
        """Tell whether leaving for ``reason`` recovers money already paid."""
        return reason in self.recover_on

    def with_settings(self, **changes: object) -> ProgrammeRules:
        """Return a copy with some settings changed (for scenarios and tests)."""
        return replace(self, **changes)  # type: ignore[arg-type]


ADVANCED_CLUSTER = ProgrammeRules(
    programme=Programme.ADVANCED_CLUSTER,
    code_prefix="ADV",
    name_zh="先进制造业集群奖补",
    name_en="Advanced manufacturing cluster award",
    tiers={"world": 1000 * WAN, "national": 1000 * WAN, "provincial": 500 * WAN},
    min_stages=2,  # 根据认定和考核评价结果分步到位 (§二十一); 根据考核评价结果……分步到位 (第十二条)
    pass_through_purposes=("产业科技创新实体项目", "企业实体项目"),
    own_use_purposes=("公共服务平台建设", "公共服务活动"),
    failed_stage=FailedStagePolicy.FORFEIT,
    revoke_after_consecutive_failures=2,
    recover_on=frozenset({ExitReason.FRAUD}),
    # 连续两年未通过考核，或有弄虚作假、违反相关法律法规的 (第十四条); or it gives the title up
    exit_reasons=(
        ExitReason.CONSECUTIVE_FAILURES,
        ExitReason.FRAUD,
        ExitReason.ILLEGAL,
        ExitReason.VOLUNTARY,
    ),
    recipient_kinds=("cluster",),  # 给予新认定的……先进制造业集群 (§二十一)
    in_force_from=date(2023, 12, 1),  # 皖政办秘〔2023〕55号, 2023年12月1日
    clauses={
        "in_force": "adv-in-force",
        "amount": "adv-amounts",
        "creator": "adv-amounts",
        "staged": "adv-staged",
        "gate": "adv-annual-assessment",
        "revocation": "adv-revocation",
        "exit": "adv-revocation",
        "grades": "adv-annual-assessment",
        "budget": "budget-limit",
        "use": "adv-amounts",
    },
)

SERVICE_ZONE = ProgrammeRules(
    programme=Programme.SERVICE_ZONE,
    code_prefix="ZONE",
    name_zh="服务型制造集聚区奖补",
    name_en="Service-oriented manufacturing zone grant",
    pass_through_purposes=(
        "培育服务型制造标杆企业",
        "打造制造服务一体化应用场景",
        "争创工信部服务型制造相关荣誉称号",
    ),
    own_use_purposes=("诊断宣贯", "推介典型案例", "搭建公共服务平台", "举办工业设计赛事"),
    min_pass_through_percent=80,
    min_stages=2,  # 根据考核评价结果和年度资金预算规模分步到位 (评估管理)
    failed_stage=FailedStagePolicy.DEFER,
    rectification_months=3,
    recover_on=frozenset(ExitReason),
    # 整改后评估仍不合格的，退出集聚区创建 (评估管理); 退出 for fraud, breaking the law or by choice
    exit_reasons=(
        ExitReason.FAILED_RECTIFICATION,
        ExitReason.FRAUD,
        ExitReason.ILLEGAL,
        ExitReason.VOLUNTARY,
    ),
    quarterly_report=True,
    recipient_kinds=("county", "district", "development_zone"),
    valid_until=date(2027, 12, 31),
    clauses={
        "staged": "zone-staged",
        "gate": "zone-staged",
        "pass_through": "zone-pass-through",
        "use": "zone-pass-through",
        "grades": "zone-grades",
        "excellent": "zone-excellent",
        "rectification": "zone-rectification",
        "exit": "zone-exit-recovery",
        "report": "zone-quarterly-report",
        "validity": "zone-validity",
        "budget": "zone-staged",
        "creator": "zone-creator",
    },
)

COUNTY_CLUSTER = ProgrammeRules(
    programme=Programme.COUNTY_CLUSTER,
    code_prefix="CC",
    name_zh="县域制造业特色产业集群",
    name_en="County characteristic manufacturing cluster",
    pass_through_purposes=("建设公共平台",),
    own_use_purposes=("一群一策诊断", "编制专项规划", "一图三库", "建设公共平台"),
    failed_stage=FailedStagePolicy.FORFEIT,
    recover_on=frozenset({ExitReason.FRAUD}),
    annual_report_due=(3, 30),
    recognition_years=3,
    # a review not passed ends the recognition (附件4 第六条); fraud, the law or by choice
    exit_reasons=(ExitReason.EXPIRED, ExitReason.FRAUD, ExitReason.ILLEGAL, ExitReason.VOLUNTARY),
    # 定位在县（市、区）区划范围内 (附件4 第二条)
    recipient_kinds=("cluster", "county", "district"),
    clauses={
        "creator": "county-scope",
        "criteria": "county-criteria",
        "use": "county-funding",
        "validity": "county-validity",
        "report": "county-annual-report",
        "budget": "county-funding",
        "gate": "county-validity",
        "exit": "county-validity",
        "grades": "county-validity",
    },
)

PROGRAMMES: dict[Programme, ProgrammeRules] = {
    p.programme: p for p in (ADVANCED_CLUSTER, SERVICE_ZONE, COUNTY_CLUSTER)
}


def configure(programme: Programme | str, **changes: object) -> ProgrammeRules:
    """Change settings of ``programme`` for this process; return the rules they replace.

    For the settings the texts leave open (``DOMAIN.md``), e.g. turning recovery on fraud off
    for advanced clusters: ``configure("advanced_cluster", recover_on=frozenset())``. Every
    service and compliance rule reads the programme's rules through :data:`PROGRAMMES`.
    """
    key = Programme(canonical(programme))
    previous = PROGRAMMES[key]
    PROGRAMMES[key] = previous.with_settings(**changes)
    return previous


CITIES: tuple[str, ...] = (
    "合肥市",
    "芜湖市",
    "蚌埠市",
    "淮南市",
    "马鞍山市",
    "淮北市",
    "铜陵市",
    "安庆市",
    "黄山市",
    "滁州市",
    "阜阳市",
    "宿州市",
    "六安市",
    "亳州市",
    "池州市",
    "宣城市",
)
"""Anhui's 16 prefecture-level cities (DOMAIN.md, Geography)."""


ALIASES: dict[str, str] = {
    # programmes, as officers name them
    "先进制造业集群": Programme.ADVANCED_CLUSTER,
    "先进制造业集群奖补": Programme.ADVANCED_CLUSTER,
    "adv": Programme.ADVANCED_CLUSTER,
    "服务型制造集聚区": Programme.SERVICE_ZONE,
    "服务型制造集聚区奖补": Programme.SERVICE_ZONE,
    "省级服务型制造集聚区": Programme.SERVICE_ZONE,
    "zone": Programme.SERVICE_ZONE,
    "县域制造业特色产业集群": Programme.COUNTY_CLUSTER,
    "县域特色产业集群": Programme.COUNTY_CLUSTER,
    "省县域制造业特色产业集群": Programme.COUNTY_CLUSTER,
    "cc": Programme.COUNTY_CLUSTER,
    "county": Programme.COUNTY_CLUSTER,
    # advanced-cluster tiers (ADV-OPINION §二十一)
    "世界级": "world",
    "国家级": "national",
    "省级": "provincial",
    # grades (ZONE-GUIDE 评估管理)
    "优秀": Grade.EXCELLENT,
    "合格": Grade.QUALIFIED,
    "不合格": Grade.UNQUALIFIED,
    "未参加评估": Grade.NOT_SUBMITTED,
    "未参加": Grade.NOT_SUBMITTED,
    "不参加评估": Grade.NOT_SUBMITTED,  # the text's own words: 不参加评估的视为不合格
    "不参加": Grade.NOT_SUBMITTED,
    # exit reasons
    "整改后仍不合格": ExitReason.FAILED_RECTIFICATION,
    "整改后评估仍不合格": ExitReason.FAILED_RECTIFICATION,  # ZONE-GUIDE 评估管理
    "连续两年未通过考核": ExitReason.CONSECUTIVE_FAILURES,
    "弄虚作假": ExitReason.FRAUD,
    "违反法律法规": ExitReason.ILLEGAL,
    "违反相关法律法规": ExitReason.ILLEGAL,  # ADV-MEASURES 第十四条
    "主动退出": ExitReason.VOLUNTARY,
    "有效期满": ExitReason.EXPIRED,
}
"""Chinese (and short) names officers type, mapped to the engine's values."""


def canonical(value: str) -> str:
    """Return the engine's value for a name an officer typed (``优秀`` → ``excellent``)."""
    text = value.strip()
    return str(ALIASES.get(text, ALIASES.get(text.lower(), text.lower().replace("-", "_"))))


def rules_for(programme: Programme | str) -> ProgrammeRules:
    """Return the rules of ``programme`` (also by its Chinese name: 服务型制造集聚区 …)."""
    return PROGRAMMES[Programme(canonical(programme))]


def normalise_city(name: str) -> str:
    """Return the city's full name (``合肥`` → ``合肥市``); raise ValueError if not in Anhui."""
    full = name if name.endswith("市") else f"{name}市"
    if full not in CITIES:
        raise ValueError(f"{name!r} is not one of Anhui's 16 cities ({'、'.join(CITIES)})")
    return full


@dataclass(frozen=True)
class CountyClusterFacts:
    """What a county cluster reports for recognition (COUNTY-PLAN 附件4 第三条)."""

    revenue: int
    """集群营业收入, 分."""
    leading_enterprises: int
    """龙头企业 (at least one)."""
    quality_enterprises: int
    """高新技术企业、专精特新中小企业、“小巨人”、单项冠军等优质企业."""
    rd_intensity_percent: Decimal
    """平均研发投入强度, percent (``Decimal("2.2")``)."""
    first_in_province: bool = False
    """营业收入居全省同行业第一位."""
    top_nationally: bool = False
    """营业收入位居全国同行业前列."""


YI = 10_000 * WAN
"""分 in one 亿元: 1亿 is 10,000万, so 10,000 × :data:`WAN` (10,000,000,000 分)."""

COUNTY_MIN_REVENUE = 100 * YI  # 100亿元以上 (以上 includes the number itself)
COUNTY_MIN_LEADING = 1
COUNTY_MIN_QUALITY = 50  # 50家以上
COUNTY_MIN_RD_PERCENT = Decimal("2.2")  # 2.2%以上


COUNTY_CRITERIA: dict[str, str] = {
    "revenue": "集群营业收入应达100亿元以上 (revenue of at least 100亿元)",
    "leading-enterprise": "至少拥有一家龙头企业 (at least one leading enterprise)",
    "quality-enterprises": "优质企业50家以上 (at least 50 quality enterprises)",
    "rd-intensity": "平均研发投入强度达2.2%以上 (average R&D intensity of at least 2.2 %)",
}
"""The measurable criteria of COUNTY-PLAN 附件4 第三条, by id, in the text's words."""


@dataclass(frozen=True)
class CriteriaCheck:
    """Which criteria (ids of :data:`COUNTY_CRITERIA`) a county cluster misses, and which
    the province may relax."""

    unmet: tuple[str, ...]
    relaxable: tuple[str, ...]
    """Missed but relaxable: revenue below 100亿 for a cluster first in the province or near
    the top nationally (可适当放宽条件; the province decides)."""

    @property
    def met(self) -> bool:
        """True when nothing is missed beyond what the province may relax."""
        return not self.unmet


def check_county_criteria(facts: CountyClusterFacts) -> CriteriaCheck:
    """Check the measurable criteria of COUNTY-PLAN 附件4 第三条 (``以上`` counts the bound).

    Revenue ≥ 100亿元 (relaxable for a cluster first in the province or near the top
    nationally), at least one leading enterprise, ≥ 50 quality enterprises, average R&D
    intensity ≥ 2.2 %. The intensity must be an exact ``Decimal`` (a float is refused with
    :class:`TypeError`: ``2.2`` as a float is not 2.2).
    """
    if not isinstance(facts.rd_intensity_percent, Decimal):
        raise TypeError("R&D intensity is an exact Decimal percent, e.g. Decimal('2.2')")
    unmet: list[str] = []
    relaxable: list[str] = []
    if facts.revenue < COUNTY_MIN_REVENUE:
        leading = facts.first_in_province or facts.top_nationally
        (relaxable if leading else unmet).append("revenue")
    if facts.leading_enterprises < COUNTY_MIN_LEADING:
        unmet.append("leading-enterprise")
    if facts.quality_enterprises < COUNTY_MIN_QUALITY:
        unmet.append("quality-enterprises")
    if facts.rd_intensity_percent < COUNTY_MIN_RD_PERCENT:
        unmet.append("rd-intensity")
    return CriteriaCheck(tuple(unmet), tuple(relaxable))


def split_amount(amount: int, percents: tuple[int, ...]) -> list[int]:
    """Split ``amount`` 分 by whole ``percents`` (summing to 100); the last stage takes the rest."""
    if sum(percents) != 100 or any(p <= 0 for p in percents):
        raise ValueError(f"stage split {percents} must be positive and sum to 100")
    parts = [amount * p // 100 for p in percents[:-1]]
    return [*parts, amount - sum(parts)]
