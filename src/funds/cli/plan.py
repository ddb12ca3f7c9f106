"""``funds plan ...``: run allocation scenarios, show stored runs, compare them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from funds.cli.common import console, emit_json, err_console, parse_date, table, unit_of_work
from funds.money import format_wan
from funds.planner.adapter import from_ledger
from funds.planner.compare import Comparison
from funds.planner.scenario import load_scenario
from funds.planner.service import compare_runs, get_run, results_of, run_and_store

app = typer.Typer(
    help="Plan allocations: which candidates to fund, when, how much.", no_args_is_help=True
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.command("run")
def run_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (.toml or .json).")],
    solver: Annotated[str | None, typer.Option(help="auto, highs or cbc.")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve.")] = None,
    explain: Annotated[bool | None, typer.Option(help="Explain every candidate.")] = None,
    actor: Annotated[str, typer.Option(help="Who runs the plan.")] = "",
    ledger: Annotated[
        bool,
        typer.Option(
            "--from-ledger",
            help="Read budgets and existing commitments from the grants ledger.",
        ),
    ] = False,
    fund: Annotated[
        str | None,
        typer.Option(help="With --from-ledger: read only this ledger fund (code or name)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="With --from-ledger: the books as of YYYY-MM-DD."),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Solve SCENARIO, store the run and print the plan (or the diagnosis)."""
    day = parse_date(as_of, "--as-of")
    if not ledger and (fund is not None or day is not None):
        err_console.print("[bold red]refused:[/] --fund and --as-of need --from-ledger")
        raise typer.Exit(2)
    with unit_of_work(json_output=json_output) as session:
        inputs = load_scenario(scenario)
        if ledger:
            inputs = from_ledger(session, inputs, fund=fund, as_of=day)
        inputs = _override(inputs, solver=solver, time_limit=time_limit, explain=explain)
        run, result = run_and_store(session, inputs, actor=actor)
        run_id = run.id
    body = result.to_dict()
    if json_output:
        emit_json({"run": run_id, **body})
        return
    _render(run_id, body)


def _override(inputs: Any, **changes: Any) -> Any:
    from dataclasses import replace

    wanted = {k: v for k, v in changes.items() if v is not None}
    return replace(inputs, settings=replace(inputs.settings, **wanted)) if wanted else inputs


@app.command("show")
def show_command(
    run: Annotated[int, typer.Argument(help="Run id.")], json_output: JsonFlag = False
) -> None:
    """Print a stored run."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        body = results_of(get_run(session, run))
    if json_output:
        emit_json({"run": run, **body})
    else:
        _render(run, body)


@app.command("compare")
def compare_command(
    runs: Annotated[list[int], typer.Argument(help="Two or more run ids.")],
    json_output: JsonFlag = False,
) -> None:
    """Print runs side by side; rows where they differ are marked with *."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        comparison = compare_runs(session, runs)
    if json_output:
        from dataclasses import asdict

        emit_json(asdict(comparison))
        return
    _render_comparison(comparison)


def _render(run_id: int | None, body: dict[str, Any]) -> None:
    console.print(
        f"[bold]run {run_id}[/]: {body['scenario']} — {body['label']}"
        f" ({body['solver']} {body['solver_version']}, {body['seconds']:.1f} s)"
    )
    source = body.get("source")
    if source:
        funds = ", ".join(f"{label} = ledger {code}" for label, code in source["funds"])
        console.print(
            f"budgets and commitments from the ledger ({funds}) as of"
            f" {source['as_of'] or 'the run'}; ledger head {source['head_id']}"
            f" {source['head_hash'][:16]}"
        )
        for fund_label, year in source["assumed"]:
            console.print(f"  {fund_label} {year}: no budget in the ledger; the scenario's kept")
    plan = body["plan"]
    if plan is None:
        _render_diagnosis(body["diagnosis"])
        return
    why = {e["candidate"]: e["reason"] for e in body["explanations"]}
    table(
        "funded",
        ["candidate", "city", "industry", "score", "start", "万"],
        [
            (
                a["candidate"],
                a["city"],
                a["industry"],
                a["score"],
                a["start"],
                format_wan(a["amount"]),
            )
            for a in plan["awards"]
        ],
    )
    table(
        "years",
        ["fund", "year", "budget 万", "existing 万", "new 万", "slack 万"],
        [
            (
                y["fund"],
                y["year"],
                format_wan(y["budget"] - y["reserve"]),
                format_wan(y["existing"]),
                format_wan(y["new"]),
                format_wan(y["slack"]),
            )
            for y in plan["years"]
        ],
    )
    table(
        "cities",
        ["city", "awards", "万", "%"],
        [
            (g["group"], g["awards"], format_wan(g["amount"]), f"{g['share_pct']:.1f}")
            for g in plan["cities"]
        ],
    )
    table(
        "industries",
        ["industry", "awards", "万", "%"],
        [
            (g["group"], g["awards"], format_wan(g["amount"]), f"{g['share_pct']:.1f}")
            for g in plan["industries"]
        ],
    )
    if why:
        table("why", ["candidate", "reason"], sorted(why.items()))
    if body["marginal"]:
        table(
            "one more 1000万 buys",
            ["fund", "year", "dual", "LP re-solve", "plan gain", "joins"],
            [
                (
                    m["fund"],
                    m["year"],
                    f"{m['dual_estimate']:,.0f}",
                    f"{m['lp_gain']:,.0f}",
                    f"{m['mip_gain'] or 0:,.0f}",
                    " ".join(m["joins"]),
                )
                for m in body["marginal"]
            ],
        )
    baselines = [("optimised", plan), *list(body["baselines"].items())]
    table(
        "against baselines",
        ["plan", "awards", "new 万", "value", "breaches"],
        [
            (
                name,
                len(p["awards"]),
                format_wan(p["total_new"]),
                f"{p['value']:,.0f}",
                len(p["breaches"]),
            )
            for name, p in baselines
        ],
    )
    for violation in body["violations"]:
        slack = f"{violation['amount']:.2f} {violation['unit']}"
        console.print(f"soft rule broken: {violation['text']} (slack {slack})")


def _render_diagnosis(diagnosis: dict[str, Any]) -> None:
    console.print("[bold red]no plan[/]: the scenario is infeasible.")
    for finding in diagnosis["findings"]:
        console.print(f"  check {finding['check']}: {finding['text']}")
    for relax in diagnosis["relaxations"]:
        console.print(f"  relax: {relax['advice']}")


def _render_comparison(c: Comparison) -> None:
    table(
        "runs",
        ["run", "scenario", "status", "solver", "new 万", "value"],
        [
            (
                r["run"],
                r["scenario"],
                r["status"],
                r["solver"],
                format_wan(r["total_new"] or 0),
                f"{r['value'] or 0:,.0f}",
            )
            for r in c.runs
        ],
    )
    heads = [f"run {r['run']}" for r in c.runs]
    for title, rows, money in (
        ("funded (start: 分)", c.funded, False),
        ("new money by year", c.years, True),
        ("by city", c.cities, True),
        ("by industry", c.industries, True),
    ):
        table(
            title,
            ["", "key", *heads],
            [
                (
                    "*" if row.differs else "",
                    row.key,
                    *(("—" if v is None else format_wan(v) if money else v) for v in row.values),
                )
                for row in rows
            ],
        )
