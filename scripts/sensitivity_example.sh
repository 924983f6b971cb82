#!/bin/sh
# The worked example of results/sensitivity_cvl and results/compare_uncertainty (README,
# "Which assumptions decide the answer"). About 3 minutes on 2 cores.
set -e
BIN=${BIN:-.venv/bin}
$BIN/accesssim sensitivity experiments/sensitivity_cvl.toml --workers 2 --out results --force
# --force: the folder holds the committed curated files, without the manifest that would make
# it compare's own folder
$BIN/accesssim compare scenarios/baseline.toml scenarios/solidarity_2025.toml \
  scenarios/msp_rollout.toml scenarios/telemedicine.toml scenarios/docteurs_juniors.toml \
  scenarios/pacte_2025.toml scenarios/solidarity_mandatory.toml \
  --seeds 2 --uncertainty 6 --workers 2 --out results/compare_uncertainty --force
