"""The parameter table (every Param with its unit, status, source and range) and the shipped
calibration.
"""
