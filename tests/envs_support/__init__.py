"""Shared standalone harness and generic checks for the shipped toolworld envs (tests only)."""
