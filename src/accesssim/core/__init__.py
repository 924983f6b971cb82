"""Pure numerics: APL (E2SFCA), capacity-constrained allocation, the weekly flows, the GP
workforce. Arrays in, arrays out; no files, no territory objects.
"""
