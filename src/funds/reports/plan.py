"""The allocation scenario report (资金分配方案): one stored planner run, for a planner to
present.

It shows the inputs (budgets and reserves, existing commitments, candidates, the policy
rules set), the results (the plan's money per fund-year, the funded candidates, new money by
city and industry with a chart), why each candidate is in or out, and the plan against the
greedy and equal-shares baselines. A run with no plan shows the diagnosis instead. All from
the run's stored JSON (:mod:`funds.planner.models`), so the report of an old run shows what
was solved then. Scores and shares are the planner's floats, printed as such; money is 分.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable
from sqlmodel import Session

from funds.money import format_wan, format_yuan
from funds.planner.models import PlanRun
from funds.planner.service import get_run, results_of
from funds.reports import labels
from funds.reports.charts import bar_chart
from funds.reports.layout import (
    build_pdf,
    cell,
    data_table,
    heading,
    key_values,
    para,
    stamp,
    title,
)

TITLE = "资金分配方案 Allocation scenario"
Body = dict[str, Any]


def plan_pdf(session: Session, run_id: int) -> bytes:
    """Return the report of stored planner run ``run_id``."""
    run = get_run(session, run_id)
    report = stamp(session, f"{TITLE} — run {run_id}", run.created_at.date())
    return build_pdf(report, plan_story(run, json.loads(run.inputs), results_of(run)))


def plan_story(run: PlanRun, inputs: Body, results: Body) -> list[Flowable]:
    """Return the flowables of the report."""
    story: list[Flowable] = [
        title(f"资金分配方案：{run.scenario_name}"),
        _head(run, inputs, results),
    ]
    story += _inputs(inputs)
    plan = results.get("plan")
    if plan is None:
        story += _diagnosis(results.get("diagnosis") or {})
        return story
    story += _years(plan)
    story += _awards(plan)
    story += _groups(plan)
    story += _explanations(results.get("explanations") or [])
    story += _baselines(plan, results.get("baselines") or {}, results.get("violations") or [])
    return story


def _head(run: PlanRun, inputs: Body, results: Body) -> Flowable:
    return key_values(
        [
            ("方案", run.scenario_name),
            ("运行编号", str(run.id)),
            ("说明", str(inputs.get("description", ""))),
            ("求解结果", str(results.get("label", run.status))),
            ("求解器", f"{run.solver} {run.solver_version}"),
            ("用时", f"{run.elapsed_ms / 1000:.1f} 秒"),
            ("运行时间", f"{run.created_at:%Y-%m-%d %H:%M} UTC"),
            ("运行人", run.actor or "—"),
            ("输入哈希", run.inputs_hash[:32]),
            ("模型版本", run.planner_version),
        ]
    )


def _inputs(inputs: Body) -> list[Flowable]:
    existing: dict[tuple[str, int], int] = defaultdict(int)
    for c in inputs.get("commitments", []):
        existing[c["fund"], c["year"]] += c["amount"]
    rows = [
        [
            b["fund"],
            str(b["year"]),
            format_wan(b["budget"]),
            format_wan(b.get("reserve", 0)),
            format_wan(existing.get((b["fund"], b["year"]), 0)),
        ]
        for b in inputs.get("budgets", [])
    ]
    candidates = inputs.get("candidates", [])
    by_programme = Counter(c["programme"] for c in candidates)
    eligible = sum(1 for c in candidates if c.get("eligible", True))
    count = "，".join(f"{labels.programme(p)} {n} 个" for p, n in sorted(by_programme.items()))
    return [
        heading("一、输入 Inputs"),
        data_table(
            ["资金", "年度", "预算", "预留", "已有承诺"],
            rows,
            widths=[0.3, 0.1, 0.18, 0.18, 0.18],
            numeric=[2, 3, 4],
        ),
        para(f"候选 {len(candidates)} 个（{count}），其中符合条件 {eligible} 个。", small=True),
        para("政策约束：" + _policy_text(inputs.get("policy", {})), small=True),
    ]


def _policy_text(policy: Body) -> str:
    parts = []
    for key, value in sorted(policy.items()):
        if value in (None, [], {}, 0, ""):
            continue
        parts.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "；".join(parts) or "无"


def _years(plan: Body) -> list[Flowable]:
    rows = [
        [
            y["fund"],
            str(y["year"]),
            format_wan(y["budget"]),
            format_wan(y["reserve"]),
            format_wan(y["existing"]),
            format_wan(y["new"]),
            format_wan(y["slack"]),
        ]
        for y in plan["years"]
    ]
    return [
        heading("二、各年度资金 Money by fund-year"),
        data_table(
            ["资金", "年度", "预算", "预留", "既有拨付预计", "新增", "结余"],
            rows,
            widths=[0.24, 0.08, 0.14, 0.12, 0.14, 0.14, 0.14],
            numeric=[2, 3, 4, 5, 6],
        ),
    ]


def _awards(plan: Body) -> list[Flowable]:
    rows = [
        [
            a["candidate"],
            cell(a["name"]),
            a["city"],
            a["industry"],
            labels.programme_short(a["programme"]),
            f"{a['score']:.1f}",
            str(a["start"]),
            format_yuan(a["amount"]),
        ]
        for a in plan["awards"]
    ]
    rows.append(["合计", "", "", "", "", "", "", format_yuan(plan["total_new"])])
    return [
        CondPageBreak(50 * mm),
        heading(f"三、资助对象 Funded candidates（{len(plan['awards'])} 个）"),
        data_table(
            ["编号", "名称", "市", "产业", "类别", "评分", "起始年", "金额（元）"],
            rows,
            widths=[0.1, 0.26, 0.09, 0.12, 0.12, 0.07, 0.08, 0.16],
            numeric=[5, 6, 7],
            total=True,
        ),
    ]


def _groups(plan: Body) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(60 * mm), heading("四、按市与产业 By city and industry")]
    cities = plan["cities"]
    story.append(
        bar_chart(
            "新增资金按市（万元）",
            [g["group"] for g in cities],
            [("新增", [g["amount"] for g in cities])],
            horizontal=True,
        )
    )
    for name, groups in (("市", cities), ("产业", plan["industries"])):
        rows = [
            [g["group"], str(g["awards"]), format_wan(g["amount"]), f"{g['share_pct']:.2f} %"]
            for g in groups
        ]
        story.append(
            data_table(
                [name, "个数", "新增", "占比"],
                rows,
                widths=[0.3, 0.12, 0.2, 0.14],
                numeric=[1, 2, 3],
            )
        )
    return story


def _explanations(explanations: Sequence[Body]) -> list[Flowable]:
    if not explanations:
        return []
    ordered = sorted(explanations, key=lambda e: (not e["funded"], e["candidate"]))
    rows = [
        [e["candidate"], "资助" if e["funded"] else "未资助", cell(e["reason"])] for e in ordered
    ]
    return [
        CondPageBreak(40 * mm),
        heading("五、说明 Why each candidate is in or out"),
        data_table(["编号", "结果", "原因"], rows, widths=[0.12, 0.1, 0.78]),
    ]


def _baselines(plan: Body, baselines: Body, violations: Sequence[Body]) -> list[Flowable]:
    plans = [("优化方案 optimised", plan)] + [
        ({"greedy": "按评分贪心 greedy", "equal_shares": "平均分配 equal shares"}.get(k, k), p)
        for k, p in baselines.items()
    ]
    rows = [
        [
            name,
            str(len(p["awards"])),
            format_wan(p["total_new"]),
            f"{p['value']:,.0f}",
            str(len(p["breaches"])),
        ]
        for name, p in plans
    ]
    story: list[Flowable] = [
        CondPageBreak(40 * mm),
        heading("六、与基准方案比较 Against baselines"),
        data_table(
            ["方案", "资助个数", "新增资金", "加权价值（评分·万元）", "违反规则"],
            rows,
            widths=[0.3, 0.12, 0.18, 0.24, 0.12],
            numeric=[1, 2, 3, 4],
        ),
    ]
    for name, p in plans:
        for breach in p["breaches"]:
            story.append(para(f"{name}：{breach}", small=True))
    for v in violations:
        story.append(para(f"软约束未满足：{v.get('text', '')}", small=True))
    return story


def _diagnosis(diagnosis: Body) -> list[Flowable]:
    story: list[Flowable] = [heading("二、无可行方案 No plan: diagnosis")]
    for finding in diagnosis.get("findings", []):
        story.append(para(f"检查 {finding.get('check', '')}：{finding.get('text', '')}"))
    for relax in diagnosis.get("relaxations", []):
        story.append(para(f"放宽建议：{relax.get('advice', '')}"))
    return story
