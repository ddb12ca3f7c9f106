"""What a scoped user may see: a city officer their city, a recipient officer their own.

Every route that reads or acts on an award, a recipient, an enterprise's receipts or an
alert asks the :class:`Scope` first. A record outside the scope is answered exactly as a
record that does not exist (the same 404 and message), and lists and counts are filtered in
the query, so a city or recipient officer learns nothing of another's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from funds.api.users import Caller, Role
from funds.compliance.errors import UnknownAlert
from funds.compliance.models import Alert
from funds.driver_sql import DriverStatement
from funds.grants.errors import UnknownRecord
from funds.grants.models import Award, Enterprise, Recipient

Q = TypeVar("Q", bound=Any)

_AWARD_AND_RECIPIENT = (
    select(Award, Recipient)
    .join(Recipient, col(Recipient.id) == Award.recipient_id)
    .where(Award.code == bindparam("code"))
)
"""Built once: every route on an award asks for it, and building costs more than running."""
_RECIPIENT_OF_AWARD = DriverStatement(
    "SELECT recipient.code, recipient.city FROM award"
    " JOIN recipient ON recipient.id = award.recipient_id WHERE award.code = ?"
)


@dataclass(frozen=True)
class Scope:
    """The city or recipient a user is limited to (both ``None``: sees everything)."""

    city: str | None = None
    recipient: str | None = None

    @classmethod
    def of(cls, user: Caller) -> Scope:
        """The scope of ``user``'s role."""
        if user.role == Role.CITY:
            return cls(city=user.city or "")
        if user.role == Role.RECIPIENT:
            return cls(recipient=user.recipient or "")
        return cls()

    @property
    def limited(self) -> bool:
        """True for city and recipient users."""
        return self.city is not None or self.recipient is not None

    def sees(self, recipient: Recipient) -> bool:
        """Tell whether the scope includes ``recipient``."""
        return self._sees(recipient.code, recipient.city)

    def _sees(self, code: str, city: str) -> bool:
        if self.city is not None:
            return city == self.city
        if self.recipient is not None:
            return code == self.recipient
        return True

    def recipients(self, query: Q) -> Q:
        """Narrow a query that selects from ``recipient``."""
        if self.city is not None:
            return cast(Q, query.where(Recipient.city == self.city))
        if self.recipient is not None:
            return cast(Q, query.where(Recipient.code == self.recipient))
        return query

    def award(self, session: Session, code: str) -> Award:
        """Return award ``code`` if the scope includes it, else the not-found error."""
        row = session.exec(_AWARD_AND_RECIPIENT, params={"code": code}).first()
        if row is None or not self.sees(row[1]):
            raise UnknownRecord("award", code)
        return row[0]

    def check_award(self, session: Session, code: str) -> None:
        """Raise the not-found error unless award ``code`` exists and the scope includes it.

        For a write whose service reads (and locks) the award itself: one statement on the
        driver's cursor, no ORM objects, the same answer as :meth:`award`.
        """
        row = _RECIPIENT_OF_AWARD.first(session, (code,))
        if row is None or not self._sees(row[0], row[1]):
            raise UnknownRecord("award", code)

    def recipient_record(self, session: Session, code: str) -> Recipient:
        """Return recipient ``code`` if the scope includes it, else the not-found error."""
        found = session.exec(select(Recipient).where(Recipient.code == code)).first()
        if found is None or not self.sees(found):
            raise UnknownRecord("recipient", code)
        return found

    def visible_awards(self, session: Session) -> set[str] | None:
        """The codes of the awards in scope (``None``: all of them)."""
        if not self.limited:
            return None
        query = select(Award.code).join(Recipient, col(Recipient.id) == Award.recipient_id)
        return set(session.exec(self.recipients(query)))

    def enterprise(self, session: Session, credit_code: str, receipts_awards: set[str]) -> None:
        """Refuse an enterprise a scoped user has no business with (as if it did not exist).

        A city officer may look at enterprises of their city and at those paid under awards in
        their city; a recipient officer at those it paid.
        """
        if not self.limited:
            return
        found = session.exec(
            select(Enterprise).where(Enterprise.credit_code == credit_code.strip().upper())
        ).first()
        visible = self.visible_awards(session) or set()
        in_city = found is not None and self.city is not None and found.city == self.city
        if found is None or not (in_city or receipts_awards & visible):
            raise UnknownRecord("enterprise", credit_code)

    def alerts(self, query: Q) -> Q:
        """Narrow a query that selects from ``compliance_alert``."""
        if self.city is not None:
            return cast(Q, query.where(Alert.city == self.city))
        if self.recipient is not None:
            return cast(Q, query.where(Alert.recipient == self.recipient))
        return query

    def alert(self, alert: Alert, key: str) -> Alert:
        """Return ``alert`` if the scope includes it, else the not-found error."""
        if self.city is not None and alert.city != self.city:
            raise UnknownAlert(key)
        if self.recipient is not None and alert.recipient != self.recipient:
            raise UnknownAlert(key)
        return alert
