"""Shared fixtures of the datasets tests (each group keeps its factories in its own module)."""

from bizenv.datasets.tests.recordkit import lake, town  # noqa: F401
