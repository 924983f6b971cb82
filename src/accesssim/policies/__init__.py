"""Interventions: the Policy base class, the registry and one module per policy."""
