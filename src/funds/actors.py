"""Who acts: one form for the name recorded as the actor of what is done.

An actor enters by the CLI's ``--actor`` and ``--by`` (or ``$FUNDS_ACTOR``), an API user's
name (the token's user) and a service's ``actor`` argument. Everywhere it is stripped of
surrounding whitespace, so that ``"finance-a "`` is the officer ``finance-a``, and a name
left empty is refused: maker-checker compares these names, and a journal entry, stage
request or approval must say who did it.
"""

from __future__ import annotations

from funds.errors import InvalidInput


def actor_name(value: str, field: str = "actor") -> str:
    """Return ``value`` stripped; refuse it, naming ``field``, when nothing is left."""
    name = value.strip()
    if not name:
        raise InvalidInput(field, f"{value!r} names nobody: say who does this")
    return name
