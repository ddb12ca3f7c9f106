"""Reports and exports: PDF statements and reports (reportlab), spreadsheets (pandas).

The design in one paragraph. Figures come from the read-only services of the other packages
(:func:`funds.grants.award_statement`, :func:`funds.grants.fund_year_execution`, the alert
store, stored planner runs) plus the grouping queries in :mod:`funds.reports.queries`, always
as of a date. Each PDF report is a module that turns those figures into reportlab flowables
(``award``, ``fund``, ``compliance``, ``clawback``, ``plan``); :mod:`~funds.reports.layout`
lays them out on A4 pages that all carry the as-of date, the generation time, the page number
and the ledger's fingerprint (:meth:`funds.ledger.Ledger.head`), so a printed page can be
matched to the ledger; :mod:`~funds.reports.fonts` finds a TrueType CJK font to embed.
Spreadsheets are built by :mod:`~funds.reports.exports` and written by
:mod:`~funds.reports.sheets`. Every function returns bytes or data and writes nothing to the
database; the CLI (``funds report``, ``funds export``) and the API choose where bytes go.
"""

from funds.reports.award import all_award_codes, award_statement_pdf
from funds.reports.clawback import clawback_pdf
from funds.reports.compliance import compliance_pdf
from funds.reports.exports import (
    alerts_export,
    awards_export,
    balances_export,
    journal_export,
    plan_export,
)
from funds.reports.fund import fund_execution_pdf
from funds.reports.plan import plan_pdf
from funds.reports.sheets import Export, to_csv, to_excel
from funds.reports.sheets import write as write_export

__all__ = [
    "Export",
    "alerts_export",
    "all_award_codes",
    "award_statement_pdf",
    "awards_export",
    "balances_export",
    "clawback_pdf",
    "compliance_pdf",
    "fund_execution_pdf",
    "journal_export",
    "plan_export",
    "plan_pdf",
    "to_csv",
    "to_excel",
    "write_export",
]
