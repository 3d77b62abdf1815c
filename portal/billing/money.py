"""Money arithmetic for billing: the one rounding rule lives in
portal.formatting (format_money uses it too) and is named here for the
ledger and pricing code."""

from portal.formatting import round_money

__all__ = ["round_money"]
