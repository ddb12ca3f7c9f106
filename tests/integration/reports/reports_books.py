"""A small book for the report tests: a zone grant that passes on too little, exits and is
partly clawed back; an advanced-cluster award paid its first stage; alerts from a recorded
scan; and one stored planner run."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

from sqlmodel import Session

from factories import FUND, cluster_award, credit_code, release, world, zone_award
from funds import grants
from funds.compliance import scan
from funds.planner.inputs import Candidate, FundYear, PlanInputs, Policy, Settings
from funds.planner.models import PlanRun
from funds.planner.service import run_and_store
from funds.policy import WAN

AS_OF = date(2026, 6, 30)


def build_books(session: Session) -> dict[str, str]:
    """Build the book; return the award codes by role (``zone``, ``cluster``)."""
    world(session)
    zone = zone_award(session)
    release(session, zone.code, 1, date(2025, 4, 1))
    for n, wan, purpose in (
        (1, 200, "培育服务型制造标杆企业"),
        (2, 100, "打造制造服务一体化应用场景"),
    ):
        grants.record_pass_through(
            session,
            award=zone.code,
            enterprise=credit_code(n),
            amount=wan * WAN,
            purpose=purpose,
            on=date(2025, 6, n),
            voucher=f"PZ-{n}",
            actor="zone-officer",
        )
    grants.record_spending(
        session,
        award=zone.code,
        amount=50 * WAN,
        purpose="诊断宣贯",
        on=date(2025, 8, 1),
        actor="zone-officer",
    )
    cluster = cluster_award(session)
    release(session, cluster.code, 1, date(2025, 4, 1))
    grants.terminate(session, award=zone.code, reason="fraud", on=date(2026, 1, 15), actor="p")
    grants.record_recovery(
        session,
        award=zone.code,
        amount=100 * WAN,
        on=date(2026, 2, 1),
        voucher="SH-1",
        actor="finance-a",
    )
    scan(session, as_of=AS_OF, record=True)
    return {"zone": zone.code, "cluster": cluster.code}


def store_plan(session: Session) -> PlanRun:
    """Solve and store a three-candidate scenario."""
    candidates = tuple(
        Candidate(
            cid,
            f"{city}示例集群",
            "county_cluster",
            FUND,
            city,
            industry,
            score,
            200 * WAN,
            200 * WAN,
            (100,),
        )
        for cid, city, industry, score in (
            ("C1", "合肥市", "汽车", 90.0),
            ("C2", "芜湖市", "材料", 80.0),
            ("C3", "滁州市", "家电", 70.0),
        )
    )
    inputs = PlanInputs(
        name="三个候选 test",
        fund_years=(FundYear(FUND, 2027, 400 * WAN),),
        candidates=candidates,
        commitments=(),
        policy=Policy(),
        settings=Settings(time_limit=10, gap_pct=0.0, explain=True, marginal=False),
    )
    run, _ = run_and_store(session, inputs, actor="planner")
    return run


def render_first_page(pdf: bytes, tmp_path: Path, name: str) -> Path:
    """Render page 1 of ``pdf`` to PNG with poppler's pdftoppm; return the PNG."""
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    tool = shutil.which("pdftoppm")
    assert tool is not None
    subprocess.run(
        [
            tool,
            "-r",
            "40",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(tmp_path / name),
        ],
        check=True,
    )
    return tmp_path / f"{name}.png"
