"""Scenario files (TOML or JSON) to :class:`~funds.planner.inputs.PlanInputs` and back.

A scenario names its budgets, existing commitments, candidates, policy and settings; see
``docs/planner.md`` for the format and ``examples/scenarios/`` for a worked example.
Money fields take text such as ``"500万"``, ``"3亿"`` or ``"5,000,000.00"`` (元), or an
integer of 分; a float is refused with the field named, because ``0.1 + 0.2`` is not
money. Unknown keys are refused too, so that a typo never silently switches a rule off.
:func:`inputs_to_dict` writes the canonical form (money as integer 分) that runs store.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from funds.money import MoneyError, parse_fen
from funds.planner.errors import ScenarioInvalid
from funds.planner.inputs import (
    RULE_FAMILIES,
    Candidate,
    Commitment,
    FundYear,
    LedgerSource,
    PlanInputs,
    Policy,
    Settings,
    ShareBound,
    amount_problem,
    default_schedule,
    schedule_problem,
    tier_amount,
    tier_of,
)
from funds.policy import canonical

SOLVERS = ("auto", "highs", "cbc")

_CANDIDATE_KEYS = {
    "id",
    "name",
    "programme",
    "fund",
    "city",
    "industry",
    "score",
    "amount",
    "amount_min",
    "amount_max",
    "schedule",
    "tier",
    "county",
    "earliest_start",
    "latest_start",
    "eligible",
    "ineligible_reason",
    "pass_through_pct",
}
_PROGRAMME_KEYS = _CANDIDATE_KEYS - {"id", "name", "programme", "city", "industry", "score"}


def load_scenario(path: Path) -> PlanInputs:
    """Read a scenario file (``.toml`` or ``.json``) and validate it."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioInvalid(str(path), f"not valid {path.suffix[1:] or 'TOML'}: {exc}") from exc
    if not isinstance(data, dict):
        raise ScenarioInvalid(str(path), "a scenario is a table of settings")
    data.setdefault("name", path.stem)
    return inputs_from_dict(data)


def inputs_from_dict(data: Mapping[str, Any]) -> PlanInputs:
    """Build validated inputs from a scenario's data (parsed TOML/JSON or an API body)."""
    _known(
        data,
        "",
        {
            "name",
            "description",
            "settings",
            "policy",
            "budgets",
            "commitments",
            "programmes",
            "candidates",
            "baseline",
            "source",
        },
    )
    programmes = _table(data, "programmes")
    settings = _settings(_table(data, "settings"), programmes)
    fund_years = tuple(_fund_year(row, f"budgets[{i}]") for i, row in _rows(data, "budgets"))
    commitments = tuple(
        _commitment(row, f"commitments[{i}]") for i, row in _rows(data, "commitments")
    )
    candidates = tuple(
        _candidate(row, f"candidates[{i}]", programmes) for i, row in _rows(data, "candidates")
    )
    inputs = PlanInputs(
        name=_str(data, "name", "name", default="scenario"),
        description=_str(data, "description", "description", default=""),
        fund_years=fund_years,
        commitments=commitments,
        candidates=candidates,
        policy=_policy(_table(data, "policy")),
        settings=settings,
        baseline=tuple(_baseline(row, f"baseline[{i}]") for i, row in _rows(data, "baseline")),
        source=_source(data.get("source")),
    )
    validate(inputs)
    return inputs


def validate(inputs: PlanInputs) -> None:
    """Check cross-references the field readers cannot see; raise on the first problem."""
    if not inputs.fund_years:
        raise ScenarioInvalid("budgets", "at least one fund-year budget is needed")
    seen_fy: set[tuple[str, int]] = set()
    for i, fy in enumerate(inputs.fund_years):
        if (fy.fund, fy.year) in seen_fy:
            raise ScenarioInvalid(f"budgets[{i}]", f"{fy.fund} {fy.year} is given twice")
        seen_fy.add((fy.fund, fy.year))
    ids: set[str] = set()
    for i, c in enumerate(inputs.candidates):
        if c.id in ids:
            raise ScenarioInvalid(f"candidates[{i}].id", f"{c.id!r} is used twice")
        ids.add(c.id)
        if not any(fy.fund == c.fund for fy in inputs.fund_years):
            raise ScenarioInvalid(f"candidates[{i}].fund", f"fund {c.fund!r} has no budget")
    policy = inputs.policy
    for name in ("must_fund", "must_not_fund"):
        for cid in getattr(policy, name):
            if cid not in ids:
                raise ScenarioInvalid(f"policy.{name}", f"no candidate {cid!r}")
    both = set(policy.must_fund) & set(policy.must_not_fund)
    if both:
        raise ScenarioInvalid("policy.must_fund", f"also in must_not_fund: {sorted(both)}")
    for i, (cid, _year) in enumerate(inputs.baseline):
        if cid not in ids:
            raise ScenarioInvalid(f"baseline[{i}].candidate", f"no candidate {cid!r}")


def inputs_to_dict(inputs: PlanInputs) -> dict[str, Any]:
    """Return the canonical, JSON-able form of ``inputs`` (money as integer 分)."""
    body = asdict(inputs)
    body["baseline"] = [{"candidate": c, "start": y} for c, y in inputs.baseline]
    body["budgets"] = body.pop("fund_years")
    policy = body["policy"]
    policy["max_recognitions"] = dict(inputs.policy.max_recognitions)
    policy["city_bounds"] = [
        {"city": b.group, "floor_pct": b.floor_pct, "ceiling_pct": b.ceiling_pct}
        for b in inputs.policy.city_bounds
    ]
    body["settings"]["pass_rates"] = dict(inputs.settings.pass_rates)
    if inputs.source is None:
        del body["source"]  # scenario runs hash exactly as before ledger sources existed
    plain: dict[str, Any] = json.loads(json.dumps(body, ensure_ascii=False))
    return plain


def canonical_json(inputs: PlanInputs) -> str:
    """Return the canonical JSON text of ``inputs`` (sorted keys, stable for hashing)."""
    return json.dumps(inputs_to_dict(inputs), ensure_ascii=False, sort_keys=True)


# --- field readers -------------------------------------------------------------------


def _known(row: Mapping[str, Any], where: str, keys: set[str]) -> None:
    unknown = sorted(set(row) - keys)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ScenarioInvalid(f"{prefix}{unknown[0]}", f"unknown key (known: {sorted(keys)})")


def _table(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ScenarioInvalid(key, "expected a table")
    return value


def _rows(data: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ScenarioInvalid(key, "expected a list of tables")
    return list(enumerate(value))


def _money(row: Mapping[str, Any], key: str, where: str, *, default: int | None = None) -> int:
    if key not in row:
        if default is None:
            raise ScenarioInvalid(f"{where}.{key}", "missing")
        return default
    value = row[key]
    if isinstance(value, float):
        raise ScenarioInvalid(
            f"{where}.{key}",
            f'{value!r} is a float; write money as text such as "500万" or integer 分',
        )
    try:
        return parse_fen(value)
    except MoneyError as exc:
        raise ScenarioInvalid(f"{where}.{key}", exc.reason, value=value) from exc


def _number(
    row: Mapping[str, Any],
    key: str,
    where: str,
    *,
    default: float | None = None,
    low: float = 0.0,
    high: float = math.inf,
) -> float | None:
    if key not in row or row[key] is None:
        return default
    value = row[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ScenarioInvalid(f"{where}.{key}", f"expected a number, got {value!r}")
    if not low <= value <= high:
        raise ScenarioInvalid(f"{where}.{key}", f"{value} is outside {low}..{high}")
    return float(value)


def _pct(row: Mapping[str, Any], key: str, where: str) -> float | None:
    return _number(row, key, where, low=0.0, high=100.0)


def _int(row: Mapping[str, Any], key: str, where: str, *, default: int | None = None) -> int:
    value = row.get(key, default)
    if value is None:
        raise ScenarioInvalid(f"{where}.{key}", "missing")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScenarioInvalid(f"{where}.{key}", f"expected a whole number ≥ 0, got {value!r}")
    return value


def _opt_int(row: Mapping[str, Any], key: str, where: str) -> int | None:
    return _int(row, key, where) if row.get(key) is not None else None


def _str(row: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    value = row.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ScenarioInvalid(where, f"expected text, got {value!r}")
    return value


def _strs(row: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioInvalid(f"{where}.{key}", "expected a list of text")
    return tuple(value)


def _bool(row: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = row.get(key, default)
    if not isinstance(value, bool):
        raise ScenarioInvalid(f"{where}.{key}", f"expected true or false, got {value!r}")
    return value


def _counts(row: Mapping[str, Any], key: str, where: str) -> tuple[tuple[str, int], ...]:
    value = row.get(key, {})
    if not isinstance(value, dict):
        raise ScenarioInvalid(f"{where}.{key}", "expected a table of programme = count")
    return tuple((name, _int(value, name, f"{where}.{key}")) for name in sorted(value))


def _fund_year(row: dict[str, Any], where: str) -> FundYear:
    _known(row, where, {"fund", "year", "budget", "reserve"})
    fy = FundYear(
        fund=_str(row, "fund", f"{where}.fund"),
        year=_int(row, "year", where),
        budget=_money(row, "budget", where),
        reserve=_money(row, "reserve", where, default=0),
    )
    if fy.reserve > fy.budget:
        raise ScenarioInvalid(f"{where}.reserve", "the reserve is larger than the budget")
    return fy


def _commitment(row: dict[str, Any], where: str) -> Commitment:
    _known(row, where, {"ref", "fund", "year", "amount", "programme", "release_pct"})
    return Commitment(
        ref=_str(row, "ref", f"{where}.ref"),
        fund=_str(row, "fund", f"{where}.fund"),
        year=_int(row, "year", where),
        amount=_money(row, "amount", where),
        programme=_str(row, "programme", f"{where}.programme", default=""),
        release_pct=_pct(row, "release_pct", where),
    )


def _candidate(row: dict[str, Any], where: str, programmes: dict[str, Any]) -> Candidate:
    _known(row, where, _CANDIDATE_KEYS)
    programme = _str(row, "programme", f"{where}.programme")
    defaults = programmes.get(programme, {})
    merged = {**defaults, **row}
    tier = _str(merged, "tier", f"{where}.tier", default="")
    tier = canonical(tier) if tier else ""  # 省级 / 国家级 / 世界级 as officers type them
    fixed = tier_amount(programme, tier)
    if "amount" in row:
        amount_min = amount_max = _money(row, "amount", where)
    elif fixed is not None and "amount_min" not in row and "amount_max" not in row:
        amount_min = amount_max = fixed  # a named tier asks for its amount (§二十一)
    elif "amount" in merged and "amount_min" not in row:
        amount_min = amount_max = _money(merged, "amount", where)
    else:
        amount_min = _money(merged, "amount_min", where)
        amount_max = _money(merged, "amount_max", where)
    if not 0 < amount_min <= amount_max:
        raise ScenarioInvalid(f"{where}.amount_min", "need 0 < amount_min ≤ amount_max")
    problem = amount_problem(programme, tier, amount_min, amount_max)
    if problem is not None:
        field = problem[0]
        if field == "amount" and "amount" not in merged:
            field = "amount_min"  # a range was given: name the fields the scenario has
        raise ScenarioInvalid(f"{where}.{field}", problem[1])
    tier = tier or tier_of(programme, amount_min)
    return Candidate(
        id=_str(row, "id", f"{where}.id"),
        name=_str(row, "name", f"{where}.name", default=str(row.get("id", ""))),
        programme=programme,
        fund=_str(merged, "fund", f"{where}.fund"),
        city=_str(row, "city", f"{where}.city"),
        industry=_str(row, "industry", f"{where}.industry"),
        score=_number(row, "score", where, default=None, high=1e6) or 0.0,
        amount_min=amount_min,
        amount_max=amount_max,
        schedule=_schedule(merged, where, programme),
        tier=tier,
        county=_str(merged, "county", f"{where}.county", default=""),
        earliest_start=_opt_int(merged, "earliest_start", where),
        latest_start=_opt_int(merged, "latest_start", where),
        eligible=_bool(merged, "eligible", where, True),
        ineligible_reason=_str(merged, "ineligible_reason", where, default=""),
        pass_through_pct=_pct(merged, "pass_through_pct", where),
    )


def _schedule(row: Mapping[str, Any], where: str, programme: str) -> tuple[int, ...]:
    """The candidate's schedule, or its programme's (the split the grants module uses)."""
    if "schedule" not in row:
        return default_schedule(programme)
    value = row["schedule"]
    ok = (
        isinstance(value, list)
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    )
    if not ok or sum(value) != 100:
        raise ScenarioInvalid(
            f"{where}.schedule",
            f"expected whole percentages per year summing to 100, got {value!r}",
        )
    problem = schedule_problem(programme, tuple(value))
    if problem is not None:
        raise ScenarioInvalid(f"{where}.schedule", problem)
    return tuple(value)


def _settings(row: dict[str, Any], programmes: dict[str, Any]) -> Settings:
    where = "settings"
    _known(
        row,
        where,
        {
            "solver",
            "time_limit",
            "gap_pct",
            "delay_discount_pct",
            "pass_rates",
            "explain",
            "explain_limit",
            "marginal",
            "threads",
        },
    )
    solver = _str(row, "solver", f"{where}.solver", default="auto")
    if solver not in SOLVERS:
        raise ScenarioInvalid(f"{where}.solver", f"expected one of {SOLVERS}, got {solver!r}")
    rates = {name: p["pass_rate"] for name, p in programmes.items() if "pass_rate" in p}
    rates.update(_table(row, "pass_rates"))
    defaults = Settings()
    return Settings(
        solver=solver,
        time_limit=_number(row, "time_limit", where, default=defaults.time_limit, low=0.01)
        or defaults.time_limit,
        gap_pct=_number(row, "gap_pct", where, default=defaults.gap_pct, high=100.0) or 0.0,
        delay_discount_pct=_number(
            row, "delay_discount_pct", where, default=defaults.delay_discount_pct, high=50.0
        )
        or 0.0,
        pass_rates=tuple(
            (name, _pct(rates, name, f"{where}.pass_rates") or 0.0) for name in sorted(rates)
        ),
        explain=_bool(row, "explain", where, defaults.explain),
        explain_limit=_int(row, "explain_limit", where, default=defaults.explain_limit),
        marginal=_bool(row, "marginal", where, defaults.marginal),
        threads=_opt_int(row, "threads", where),
    )


def _policy(row: dict[str, Any]) -> Policy:
    where = "policy"
    _known(
        row,
        where,
        {
            "cities",
            "city_floor_pct",
            "city_ceiling_pct",
            "city_bounds",
            "min_awards_per_city",
            "min_industries",
            "industry_ceiling_pct",
            "max_recognitions",
            "must_fund",
            "must_not_fund",
            "min_pass_through_pct",
            "soft",
            "soft_penalty",
        },
    )
    soft = _strs(row, "soft", where)
    for name in soft:
        if name not in RULE_FAMILIES:
            raise ScenarioInvalid(f"{where}.soft", f"{name!r} is not one of {RULE_FAMILIES}")
    bounds = []
    for i, b in _rows(row, "city_bounds"):
        at = f"{where}.city_bounds[{i}]"
        _known(b, at, {"city", "floor_pct", "ceiling_pct"})
        bounds.append(
            ShareBound(
                _str(b, "city", f"{at}.city"), _pct(b, "floor_pct", at), _pct(b, "ceiling_pct", at)
            )
        )
    return Policy(
        cities=_strs(row, "cities", where),
        city_floor_pct=_pct(row, "city_floor_pct", where),
        city_ceiling_pct=_pct(row, "city_ceiling_pct", where),
        city_bounds=tuple(bounds),
        min_awards_per_city=_int(row, "min_awards_per_city", where, default=0),
        min_industries=_int(row, "min_industries", where, default=0),
        industry_ceiling_pct=_pct(row, "industry_ceiling_pct", where),
        max_recognitions=_counts(row, "max_recognitions", where),
        must_fund=_strs(row, "must_fund", where),
        must_not_fund=_strs(row, "must_not_fund", where),
        min_pass_through_pct=_pct(row, "min_pass_through_pct", where),
        soft=soft,
        soft_penalty=_number(row, "soft_penalty", where, default=1.0) or 1.0,
    )


def _source(value: Any) -> LedgerSource | None:
    """Read the ledger provenance a stored run's inputs carry (see ``planner.adapter``)."""
    if value is None:
        return None
    where = "source"
    if not isinstance(value, dict):
        raise ScenarioInvalid(where, "expected a table")
    _known(value, where, {"funds", "as_of", "head_id", "head_hash", "assumed"})
    try:
        return LedgerSource(
            funds=tuple((str(label), str(code)) for label, code in value["funds"]),
            as_of=None if value.get("as_of") is None else str(value["as_of"]),
            head_id=int(value["head_id"]),
            head_hash=str(value["head_hash"]),
            assumed=tuple((str(f), int(y)) for f, y in value.get("assumed", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioInvalid(where, f"not a ledger source: {exc}") from exc


def _baseline(row: dict[str, Any], where: str) -> tuple[str, int]:
    _known(row, where, {"candidate", "start"})
    return _str(row, "candidate", f"{where}.candidate"), _int(row, "start", where)
