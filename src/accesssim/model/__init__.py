"""The Mesa model: the schedule, its state, the yearly ledger of rows, and the read-only Mesa
agents.
"""
