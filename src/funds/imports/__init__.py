"""Spreadsheet import with cell-level validation: all rows checked, then all applied or none.

An officer's file (``.xlsx`` or ``.csv``; Chinese or English headers) is checked in two
passes before anything counts. Pass one (:mod:`~funds.imports.parsing`) reads every cell
with the readers of :mod:`~funds.imports.cells` — amounts through
:func:`funds.money.parse_fen`, credit codes with their check character, dates, required
fields — and records every problem at its sheet, Excel row and column header. Pass two
applies the readable rows in file order inside the caller's transaction, through the
grants services (:mod:`~funds.imports.handlers`, one SAVEPOINT per row) or, for
pass-through vouchers, through an equivalent bulk path (:mod:`~funds.imports.bulk`), so
that business rules — a pass-through beyond what the recipient holds, a stage whose gate is
not met — are checked with the effect of the earlier rows of the same file. Any problem, or
``--dry-run``, and the edge rolls the whole transaction back; otherwise it commits once.

Every row has a natural key (its voucher number, else a digest of its significant fields,
prefixed ``import:KIND:AWARD:``) used as the ledger's idempotency key, so importing the same
file twice creates nothing the second time and the result counts rows new and already there.
"""

from funds.imports.kinds import KINDS, Kind, kind_named
from funds.imports.report import ImportResult, KindCounts, Problem
from funds.imports.service import import_file
from funds.imports.templates import template_csv, write_template

__all__ = [
    "KINDS",
    "ImportResult",
    "Kind",
    "KindCounts",
    "Problem",
    "import_file",
    "kind_named",
    "template_csv",
    "write_template",
]
