"""Editable lookups and reusable content (filled as features arrive)."""
