"""Registered scorers; every module in this package registers its scorer(s) on import (`eval.registry`)."""

from eval.scorers.base import MissingFieldError, Scorer, field_value, safe_div

__all__ = ["MissingFieldError", "Scorer", "field_value", "safe_div"]
