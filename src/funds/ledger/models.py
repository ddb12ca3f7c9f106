"""Ledger tables: accounts, entries, postings, per-day balances and the hash-chain head.

Entries and postings are append-only: the service never updates or deletes them, and a
trigger (created by the migrations, on SQLite and PostgreSQL) refuses it. Accounts carry a
stored running balance; ``ledger_daily_balance`` keeps each account's net movement per
effective date, so an as-of balance sums a few hundred rows, not a million postings.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel


class AccountKind(StrEnum):
    """What an account represents, for reports; the ledger treats all kinds alike."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class BalanceRule(StrEnum):
    """The constraint on an account's balance, checked under lock on every posting."""

    NON_NEGATIVE = "non_negative"  # may not go negative: money that must exist
    NON_POSITIVE = "non_positive"  # may not go positive: a source that only gives
    FREE = "free"


class Account(SQLModel, table=True):
    """An account, named by a hierarchical code such as ``fund:mfg:2026:available``."""

    __tablename__ = "ledger_account"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    name: str = Field(default="", max_length=200)
    kind: AccountKind = Field(sa_column=Column(String(16), nullable=False))
    rule: BalanceRule = Field(sa_column=Column(String(16), nullable=False))
    balance: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    """Running balance in 分 over every posting so far, updated with each posting."""
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=False), nullable=False))
    """When the account was opened (UTC, naive)."""


class Entry(SQLModel, table=True):
    """A balanced journal entry: two or more postings that sum to zero."""

    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    effective_date: date = Field(index=True)
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=False), nullable=False))
    """When the engine recorded the entry (UTC, naive); the effective date is the value date."""
    actor: str = Field(max_length=120)
    memo: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    voucher: str | None = Field(default=None, max_length=120, index=True)
    idempotency_key: str | None = Field(
        default=None, sa_column=Column(String(200), unique=True, nullable=True)
    )
    request_hash: str = Field(max_length=64)
    """Hash of the request behind ``idempotency_key``; empty for an entry posted without one."""
    reverses_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("ledger_entry.id"), unique=True, nullable=True),
    )
    links: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    """Canonical JSON of the domain objects the entry concerns (award, stage, enterprise)."""
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    """Not unique-indexed: a random key costs a random page per entry (migration 0010)."""


class Posting(SQLModel, table=True):
    """One leg of an entry: an amount in 分 on one account (positive in, negative out)."""

    __tablename__ = "ledger_posting"
    __table_args__ = (Index("ix_ledger_posting_account_day", "account_id", "effective_date"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="ledger_entry.id", index=True)
    account_id: int = Field(foreign_key="ledger_account.id")
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    """Amount in 分; the postings of one entry sum to zero."""
    effective_date: date


class DailyBalance(SQLModel, table=True):
    """Net movement of one account on one effective date, for fast as-of balances."""

    __tablename__ = "ledger_daily_balance"

    account_id: int = Field(foreign_key="ledger_account.id", primary_key=True)
    day: date = Field(primary_key=True)
    delta: int = Field(sa_column=Column(BigInteger, nullable=False))
    """Sum in 分 of the account's postings with this effective date."""
    postings: int


class ChainHead(SQLModel, table=True):
    """The single row that holds the newest entry's hash; locked by every writer."""

    __tablename__ = "ledger_chain_head"

    id: int = Field(default=1, primary_key=True)
    last_entry_id: int | None = None
    last_hash: str = Field(max_length=64)
