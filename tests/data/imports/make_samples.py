"""Write the sample files of ``tests/data/imports/``: one per kind, and one workbook of all.

They build on the test world of ``tests/factories.py`` (fund ``mfg`` with budgets for
2024-2028, recipients HF-GX and WH-CL, enterprises ``credit_code(1..3)``) and are meant to
be imported in the order of :data:`funds.imports.KINDS`. Run
``.venv/bin/python tests/data/imports/make_samples.py`` after changing the rows below.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from funds.grants.credit_code import make_credit_code

HERE = Path(__file__).parent


def credit(n: int) -> str:
    """The same synthetic credit codes as ``factories.credit_code``."""
    return make_credit_code(f"91340100MA{n:07d}")


SAMPLES: dict[str, tuple[str, list[str], list[list[Any]]]] = {
    "recipients": (
        "受助单位",
        ["单位编码", "单位名称", "单位类型", "所属市", "县区"],
        [
            ["AQ-HN", "怀宁县新型建材产业集群", "县", "安庆", "怀宁县"],
            ["BB-JK", "蚌埠经济开发区", "开发区", "蚌埠市", ""],
            ["HF-GX", "合肥高新区", "开发区", "合肥市", ""],
        ],
    ),
    "enterprises": (
        "企业",
        ["统一社会信用代码", "企业名称", "所属市"],
        [
            [credit(11), "蚌埠丁公司", "蚌埠市"],
            [credit(12), "安庆戊公司", "安庆"],
            [credit(1), "合肥甲公司", "合肥市"],
        ],
    ),
    "awards": (
        "奖补",
        [
            "奖补编号",
            "项目类别",
            "单位编码",
            "资金来源",
            "集群等级",
            "奖补金额",
            "分期比例",
            "立项日期",
            # a county cluster's recognition figures (COUNTY-PLAN 附件4 第三条)
            "集群营业收入",
            "龙头企业数",
            "优质企业数",
            "研发投入强度",
            "全省同行业第一",
        ],
        [
            [
                "ZONE-2025-0101",
                "服务型制造集聚区奖补",
                "HF-GX",
                "mfg",
                None,
                "1000万",
                "40/30/30",
                date(2025, 3, 1),
                *[None] * 5,
            ],
            [
                "ADV-2025-0101",
                "先进制造业集群奖补",
                "WH-CL",
                "mfg",
                "省级",
                None,
                None,
                "2025-03-01",
                *[None] * 5,
            ],
            [
                "CC-2025-0101",
                "县域制造业特色产业集群",
                "AQ-HN",
                "mfg",
                None,
                3000000,
                "50/50",
                "2025/3/1",
                "105亿",
                2,
                63,
                "2.35%",
                "否",
            ],
        ],
    ),
    "assessments": (
        "考核结果",
        ["奖补编号", "考核年度", "考核结果", "评估日期", "是否复评"],
        [
            ["ZONE-2025-0101", 2026, "合格", date(2026, 4, 30), "否"],
            ["ADV-2025-0101", 2026, "优秀", date(2026, 4, 30), None],
        ],
    ),
    "releases": (
        "拨付",
        ["奖补编号", "期次", "申请人", "审批人", "拨付日期"],
        [
            ["ZONE-2025-0101", 1, "财务处-张", "财务处-李", date(2025, 4, 8)],
            ["ZONE-2025-0101", 2, "财务处-张", "财务处-李", date(2026, 5, 10)],
            ["ADV-2025-0101", 1, "财务处-张", "财务处-李", date(2025, 4, 8)],
        ],
    ),
    "pass_through": (
        "下达企业",
        ["奖补编号", "统一社会信用代码", "金额", "用途", "凭证号", "下达日期"],
        [
            [
                "ZONE-2025-0101",
                credit(1),
                "350万",
                "培育服务型制造标杆企业",
                "PZ-2025-001",
                date(2025, 6, 1),
            ],
            [
                "ZONE-2025-0101",
                credit(2),
                1500000,
                "打造制造服务一体化应用场景",
                "PZ-2025-002",
                date(2026, 6, 2),  # after stage 2: stage 1's 400万 had 350万 passed on
            ],
            [
                "ZONE-2025-0101",
                credit(11),
                "1,000,000.00",
                "培育服务型制造标杆企业",
                None,
                date(2026, 6, 1),
            ],
            [
                "ADV-2025-0101",
                credit(3),
                "120万元",
                "企业实体项目",
                "PZ-2025-101",
                date(2025, 7, 1),
            ],
        ],
    ),
    "spending": (
        "自用",
        ["奖补编号", "金额", "用途", "凭证号", "支出日期"],
        [
            ["ZONE-2025-0101", "50万", "诊断宣贯", "ZC-2025-001", date(2025, 7, 1)],
            ["ADV-2025-0101", 300000.5, "公共服务活动", "ZC-2025-101", date(2025, 8, 1)],
        ],
    ),
}

ENGLISH_CSV = {
    "award": "award",
    "奖补编号": "award",
    "统一社会信用代码": "credit code",
    "金额": "amount",
    "用途": "purpose",
    "凭证号": "voucher",
    "下达日期": "date",
}


def write_sheet(book: Any, title: str, headers: list[str], rows: list[list[Any]]) -> None:
    """Append a sheet of ``rows`` under ``headers`` to ``book``."""
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)


def main() -> None:
    """Write every sample file."""
    everything = openpyxl.Workbook()
    everything.remove(everything.active)
    for kind, (title, headers, rows) in SAMPLES.items():
        book = openpyxl.Workbook()
        book.remove(book.active)
        write_sheet(book, title, headers, rows)
        book.save(HERE / f"{kind}.xlsx")
        write_sheet(everything, title, headers, rows)
    everything.save(HERE / "workbook.xlsx")
    _, headers, rows = SAMPLES["pass_through"]
    with (HERE / "pass_through.csv").open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([ENGLISH_CSV[h] for h in headers])
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


if __name__ == "__main__":
    main()
