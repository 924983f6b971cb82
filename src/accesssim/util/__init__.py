"""Small helpers every layer may use: atomic files, provenance. No model knowledge."""
