"""funds: a subsidy allocation and fund-tracking engine for Anhui provincial funds."""

__version__ = "0.1.0"
