"""The officers' words for the codes the engine stores, shared by PDFs and spreadsheets."""

from __future__ import annotations

from fractions import Fraction

from funds.policy import ExitReason, rules_for

STAGE_STATUS = {
    "committed": "已承诺未拨付",
    "requested": "已申请待审批",
    "paid": "已拨付",
    "cancelled": "已取消",
    "forfeited": "不予拨付",
}
AWARD_STATUS = {"active": "执行中", "exited": "已退出", "revoked": "已撤销", "closed": "已结束"}
GATE = {"recognition": "认定", "assessment": "年度考核通过"}
TIER = {"world": "世界级", "national": "国家级", "provincial": "省级", "": ""}
TERMINATION = {"exit": "退出创建", "revocation": "撤销称号"}
EXIT_REASON = {reason.value: reason.words for reason in ExitReason}
RECOVERY_KIND = {"repayment": "收回", "write_off": "核销"}
SEVERITY = {"red": "红色（已违规）", "orange": "橙色（即将违规）", "yellow": "黄色（风险）"}
ALERT_STATE = {"open": "未处理", "acknowledged": "已确认", "resolved": "已解决"}
PROGRAMME_SHORT = {
    "advanced_cluster": "先进集群",
    "service_zone": "服务型集聚区",
    "county_cluster": "县域集群",
}


def label(table: dict[str, str], code: str) -> str:
    """Return the label of ``code`` in ``table``, or the code itself when it has none."""
    return table.get(code, code)


def programme(code: str, tier: str = "") -> str:
    """The programme's Chinese name, with the tier where there is one."""
    try:
        name = rules_for(code).name_zh
    except (KeyError, ValueError):
        name = code
    return f"{name}（{label(TIER, tier)}）" if tier else name


def percent(ratio: Fraction) -> str:
    """An exact ratio as a percentage with two decimals, rounded down (never flattering)."""
    hundredths = ratio.numerator * 10_000 // ratio.denominator if ratio.denominator else 0
    return f"{hundredths // 100}.{hundredths % 100:02d} %"


def programme_short(code: str) -> str:
    """The programme's short name for narrow table columns."""
    return PROGRAMME_SHORT.get(code, code)
