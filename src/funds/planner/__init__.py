"""The allocation planner: which candidates to fund, when, and with how much.

The optimisation model (:mod:`funds.planner.model`) is pure: it takes a
:class:`~funds.planner.inputs.PlanInputs` (years, budgets, existing commitments, candidates,
policy knobs) and returns a plan; nothing in it touches the database. Scenario files fill
the inputs today; a ledger adapter will fill them from the grants tables later. Runs are
stored whole in ``plan_run`` (:mod:`funds.planner.models`) so any run can be reproduced.
"""
