"""Reductions, differences, effects and euros per avoided (indicators), reports, figures and files
for other tools.
"""
