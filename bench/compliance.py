"""Compliance benchmark: scan 10,000 awards over a ledger of 1,000,000 postings.

The books are built on a throw-away SQLite file: funds, budgets, recipients and enterprises
through the grants services; awards, stages, releases, assessments, reports and pass-through
as ledger entries posted with ``Ledger.post_batch`` (so the journal is hash-chained and its
balances are real) and their records inserted in bulk beside them (the services would take
minutes to do the same one call at a time). Then, timed: a first recorded scan (snapshot,
every rule, alerts stored), a second scan with nothing changed (the fingerprint matches, the
stored alerts stand), a forced full re-evaluation with the alerts already in place, and a
replay as of a past date (as-of balances summed from the per-day rows). Targets: first scan
≤ 5 s; second scan at least 5× faster. ``FUNDS_BENCH_QUICK=1`` builds 200 awards and about
20,000 postings instead.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from funds import grants
from funds.compliance import scan
from funds.db import Database, make_engine, table_of
from funds.grants.credit_code import make_credit_code
from funds.grants.models import Assessment, Award, Enterprise, Recipient, ReportSubmission, Stage
from funds.grants.models import Use as UseRow
from funds.ledger import Account, EntryRequest, Ledger, Leg
from funds.migrate import upgrade
from funds.policy import CITIES, WAN, Programme

AS_OF = date(2026, 11, 22)
REPLAY = date(2026, 6, 30)
FUND = "mfg"
YEARS = (2025, 2026, 2027)
PLANNED = date(2024, 12, 1)
"""When the bench's multi-year budgets are approved: before every grant they carry (a grant
needs its years' budgets on its own date)."""
PROGRAMMES = (Programme.SERVICE_ZONE, Programme.ADVANCED_CLUSTER, Programme.COUNTY_CLUSTER)
PURPOSE = "培育服务型制造标杆企业"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def build(db: Database, awards: int, postings: int, seed: int = 7) -> dict[str, int]:
    """Build the books; return how much was built."""
    rng = random.Random(seed)
    with db.unit_of_work() as s:
        grants.add_fund(s, actor="bench", code=FUND, name="省制造强省建设资金")
        for year in YEARS:
            grants.set_budget(
                s,
                fund_code=FUND,
                year=year,
                amount=awards * 500 * WAN,
                reason="bench",
                actor="b",
                effective_date=PLANNED,
            )
        for n in range(100):
            grants.add_recipient(
                s,
                actor="bench",
                code=f"R{n:03d}",
                name=f"主体{n}",
                kind="county",
                city=CITIES[n % 16],
            )
        for n in range(2000):
            code = make_credit_code(f"91340100MA{n:07d}")
            grants.add_enterprise(
                s, actor="bench", credit_code=code, name=f"企业{n}", city=CITIES[n % 16]
            )
    with db.unit_of_work() as s:
        conn = s.connection()
        query = select(table_of(Recipient).c.code, table_of(Recipient).c.id)
        recipients = {code: rid for code, rid in conn.execute(query)}
        enterprises = list(
            conn.execute(select(table_of(Enterprise).c.id, table_of(Enterprise).c.credit_code))
        )
    plans = [_plan(n, rng, recipients, enterprises) for n in range(awards)]
    _open_accounts(db, plans)
    entries = _grant_and_release(db, plans)
    per_award = max(1, (postings - 2 * entries) // 2 // awards)
    uses = _pass_through(db, plans, per_award, rng)
    return {"awards": awards, "entries": entries + uses, "postings": 2 * (entries + uses)}


def _plan(
    n: int, rng: random.Random, recipients: dict[str, int], enterprises: list[Any]
) -> dict[str, Any]:
    programme = PROGRAMMES[n % 3]
    prefix = {"service_zone": "ZONE", "advanced_cluster": "ADV", "county_cluster": "CC"}[programme]
    amount = 500 * WAN
    granted = date(2025, 1, 1) + timedelta(days=rng.randrange(120))
    stages = [(1, 2025, 200 * WAN), (2, 2026, 150 * WAN), (3, 2027, 150 * WAN)]
    rec = f"R{n % 100:03d}"
    return {
        "n": n,
        "code": f"{prefix}-2025-{n:05d}",
        "programme": programme.value,
        "recipient_id": recipients[rec],
        "amount": amount,
        "granted_on": granted,
        "stages": stages,
        "enterprises": _enterprises_of(n, rng, enterprises),
        "second_paid": n % 2 == 0,
    }


def _enterprises_of(n: int, rng: random.Random, enterprises: list[Any]) -> list[Any]:
    """Eight enterprises in the recipient's city; one award in ten pays one elsewhere."""
    city = (n % 100) % 16
    chosen = rng.sample(enterprises[city::16], 8)
    if n % 10 == 0:
        chosen[-1] = enterprises[(city + 1) % 16]
    return chosen


def _open_accounts(db: Database, plans: list[dict[str, Any]]) -> None:
    rows: list[dict[str, Any]] = []
    now = _now()
    for p in plans:
        code = p["code"]
        for seq, year, _ in p["stages"]:
            rows.append(_account(f"fund:{FUND}:{year}:committed:{code}:{seq}", "asset", now))
        rows.append(_account(f"award:{code}:held", "asset", now))
        for _, credit in p["enterprises"]:
            rows.append(_account(f"award:{code}:passed:{credit}", "expense", now))
    with db.unit_of_work() as s:
        for start in range(0, len(rows), 5000):
            s.connection().execute(insert(table_of(Account)), rows[start : start + 5000])


def _account(code: str, kind: str, now: datetime) -> dict[str, Any]:
    return {
        "code": code,
        "name": "",
        "kind": kind,
        "rule": "non_negative",
        "balance": 0,
        "created_at": now,
    }


def _grant_and_release(db: Database, plans: list[dict[str, Any]]) -> int:
    grant_requests = [
        EntryRequest(
            kind="grant",
            effective_date=p["granted_on"],
            legs=[
                leg
                for seq, year, amount in p["stages"]
                for leg in (
                    Leg(f"fund:{FUND}:{year}:available", -amount),
                    Leg(f"fund:{FUND}:{year}:committed:{p['code']}:{seq}", amount),
                )
            ],
            actor="bench",
            memo=f"grant {p['code']}",
            links={"award": p["code"]},
        )
        for p in plans
    ]
    grant_ids = _post(db, grant_requests)
    releases: list[tuple[dict[str, Any], int, date]] = []
    for p in plans:
        releases.append((p, 1, p["granted_on"] + timedelta(days=30)))
        if p["second_paid"]:
            releases.append((p, 2, date(2026, 6, 1)))
    release_requests = [
        EntryRequest(
            kind="release",
            effective_date=on,
            legs=[
                Leg(
                    f"fund:{FUND}:{p['stages'][seq - 1][1]}:committed:{p['code']}:{seq}",
                    -p["stages"][seq - 1][2],
                ),
                Leg(f"award:{p['code']}:held", p["stages"][seq - 1][2]),
            ],
            actor="bench",
            memo=f"release {p['code']}#{seq}",
            links={"award": p["code"], "stage": seq},
        )
        for p, seq, on in releases
    ]
    release_ids = _post(db, release_requests)
    paid = {
        (p["code"], seq): (entry, on)
        for (p, seq, on), entry in zip(releases, release_ids, strict=True)
    }
    _insert_records(db, plans, grant_ids, paid)
    return len(grant_ids) + len(release_ids)


def _post(db: Database, requests: list[EntryRequest], batch: int = 2000) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(requests), batch):
        with db.unit_of_work() as s:
            ids += [e.id for e in Ledger(s).post_batch(requests[start : start + batch])]
    return ids


def _insert_records(
    db: Database,
    plans: list[dict[str, Any]],
    grant_ids: list[int],
    paid: dict[tuple[str, int], tuple[int, date]],
) -> None:
    now = _now()
    award_rows = [
        {
            "code": p["code"],
            "programme": p["programme"],
            "tier": "provincial" if p["programme"] == "advanced_cluster" else "",
            "recipient_id": p["recipient_id"],
            "fund_id": 1,
            "amount": p["amount"],
            "granted_on": p["granted_on"],
            "recognition_expires": p["granted_on"].replace(year=2028)
            if p["programme"] == "county_cluster"
            else None,
            "status": "active",
            "ended_on": None,
            "granted_by": "bench",
            "recorded_at": now,
        }
        for p in plans
    ]
    with db.unit_of_work() as s:
        conn = s.connection()
        conn.execute(insert(table_of(Award)), award_rows)
        ids = dict(conn.execute(select(table_of(Award).c.code, table_of(Award).c.id)).all())
        stages, assessments, reports = [], [], []
        for p, grant_id in zip(plans, grant_ids, strict=True):
            award_id = ids[p["code"]]
            p["award_id"] = award_id
            for seq, year, amount in p["stages"]:
                entry, on = paid.get((p["code"], seq), (None, None))
                stages.append(
                    {
                        "award_id": award_id,
                        "seq": seq,
                        "year": year,
                        "amount": amount,
                        "gate": "recognition" if seq == 1 else "assessment",
                        "status": "paid" if entry else "committed",
                        "commit_entry_id": grant_id,
                        "requested_by": "a" if entry else None,
                        "requested_on": on,
                        "approved_by": "b" if entry else None,
                        "paid_on": on,
                        "release_entry_id": entry,
                        "closed_on": None,
                        "close_entry_id": None,
                        "note": "",
                    }
                )
            if p["second_paid"]:
                assessments.append(
                    {
                        "award_id": award_id,
                        "year": 2026,
                        "grade": "qualified",
                        "assessed_on": date(2026, 5, 20),
                        "reassessment": False,
                        "rectification_due": None,
                        "deemed": False,
                        "actor": "p",
                        "recorded_at": now,
                    }
                )
            if p["programme"] == "service_zone" and p["n"] % 4 == 0:
                for period in (
                    "2025Q1",
                    "2025Q2",
                    "2025Q3",
                    "2025Q4",
                    "2026Q1",
                    "2026Q2",
                    "2026Q3",
                ):
                    reports.append(
                        {
                            "award_id": award_id,
                            "period": period,
                            "submitted_on": date(2026, 10, 1),
                            "actor": "z",
                        }
                    )
        conn.execute(insert(table_of(Stage)), stages)
        conn.execute(insert(table_of(Assessment)), assessments)
        if reports:
            conn.execute(insert(table_of(ReportSubmission)), reports)


def _pass_through(
    db: Database, plans: list[dict[str, Any]], per_award: int, rng: random.Random
) -> int:
    first = date(2025, 6, 1)
    span = (date(2026, 10, 31) - first).days
    total = 0
    chunk: list[tuple[dict[str, Any], int, str, date]] = []
    for p in plans:
        for k in range(per_award):
            enterprise = p["enterprises"][k % 8]
            chunk.append(
                (p, enterprise[0], enterprise[1], first + timedelta(days=rng.randrange(span)))
            )
        if len(chunk) >= 20_000 or p is plans[-1]:
            total += _post_uses(db, chunk, per_award)
            chunk = []
    return total


def _post_uses(
    db: Database, chunk: list[tuple[dict[str, Any], int, str, date]], per_award: int
) -> int:
    base = 150 * WAN // max(per_award, 1) // 2
    chunk.sort(key=lambda c: c[3])
    amounts = [
        base - (p["n"] * 7919 + k * 104729) % 1000 * 100 for k, (p, _, _, _) in enumerate(chunk)
    ]
    requests = [
        EntryRequest(
            kind="pass_through",
            effective_date=on,
            legs=[
                Leg(f"award:{p['code']}:held", -amount),
                Leg(f"award:{p['code']}:passed:{credit}", amount),
            ],
            actor="bench",
            memo=f"{p['code']} 下达",
            links={"award": p["code"], "enterprise": credit},
        )
        for (p, _, credit, on), amount in zip(chunk, amounts, strict=True)
    ]
    ids = _post(db, requests, batch=5000)
    rows = [
        {
            "award_id": p["award_id"],
            "kind": "pass_through",
            "enterprise_id": enterprise_id,
            "purpose": PURPOSE,
            "amount": amount,
            "effective_date": on,
            "voucher": None,
            "entry_id": entry,
            "reversed_by": None,
            "actor": "bench",
        }
        for (p, enterprise_id, _, on), amount, entry in zip(chunk, amounts, ids, strict=True)
    ]
    with db.unit_of_work() as s:
        s.connection().execute(insert(table_of(UseRow)), rows)
    return len(ids)


CPU: dict[str, float] = {}
"""Processor seconds of each timed scan (this process), by label: on a shared machine the
wall-clock figure grows with the other jobs' load, the processor time much less."""


def timed(db: Database, label: str = "", **kwargs: Any) -> tuple[float, Any]:
    """Run one scan in its own unit of work; return seconds and the result."""
    start, cpu = time.perf_counter(), time.process_time()
    with db.unit_of_work() as s:
        result = scan(s, **kwargs)
    CPU[label] = time.process_time() - cpu
    return time.perf_counter() - start, result


def figure(
    value: float, unit: str, target: float | None = None, better: str = "lower"
) -> dict[str, Any]:
    """One measured figure with its target and whether it meets it (``None``: no target)."""
    passed = None if target is None else (value <= target if better == "lower" else value >= target)
    return {
        "value": round(value, 3),
        "unit": unit,
        "target": target,
        "better": better,
        "pass": passed,
    }


def run(*, quick: bool = False) -> dict[str, Any]:
    """Build the books, time the scans, return JSON-able figures."""
    quick = quick or os.environ.get("FUNDS_BENCH_QUICK") == "1"
    awards, postings = (200, 20_000) if quick else (10_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="funds-bench-compliance-") as tmp:
        db = Database(make_engine(f"sqlite:///{Path(tmp) / 'compliance.sqlite3'}"))
        upgrade(db.engine)
        start = time.perf_counter()
        built = build(db, awards, postings)
        build_seconds = time.perf_counter() - start
        load_before = os.getloadavg()[0]
        first, result = timed(db, "first", as_of=AS_OF, enqueue=True)
        second, again = timed(db, "second", as_of=AS_OF, enqueue=True)
        full, _ = timed(db, "full", as_of=AS_OF, enqueue=True, force=True)
        replay, past = timed(db, "replay", as_of=REPLAY, record=False)
        load_after = os.getloadavg()[0]
        db.dispose()
    return {
        "quick": quick,
        "built": built,
        "build_seconds": round(build_seconds, 1),
        "findings": result.counts,
        "alerts_opened": result.opened,
        "replay_findings": past.counts,
        "second_scan_reused": again.reused,
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        "cpu_seconds": {label: round(value, 3) for label, value in CPU.items()},
        "figures": {
            "sqlite_first_scan_s": figure(first, "s", 5.0),
            "sqlite_second_scan_s": figure(second, "s"),
            "sqlite_second_scan_speedup": figure(first / second, "×", 5.0, "higher"),
            "sqlite_full_rescan_s": figure(full, "s", 5.0),
            "sqlite_replay_scan_s": figure(replay, "s"),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
