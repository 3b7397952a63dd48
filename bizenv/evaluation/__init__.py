"""Evaluation: scoring indicator systems over observations, composites, ranks and bands."""
