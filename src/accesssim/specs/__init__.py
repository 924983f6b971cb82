"""TOML files checked once into typed objects: scenarios (and the checkers of experiment and study
files).
"""
