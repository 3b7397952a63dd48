"""`bizenv workitems import | stats`."""


def register(subparsers, *, setup, imports) -> None:
    """Commands arrive with the plan import (being built)."""
