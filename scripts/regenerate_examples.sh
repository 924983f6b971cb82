#!/bin/sh
# Regenerate every curated example under results/ after a model change (`make examples`).
# About 15 minutes on 2 free cores. The commands are the ones each example's README gives;
# figures, reports and manifests are all rewritten. Check the diff before committing.
set -e
BIN=${BIN:-.venv/bin}
ROOT=$(pwd)
$BIN/accesssim compare scenarios/baseline.toml scenarios/solidarity_2025.toml \
  scenarios/solidarity_mandatory.toml scenarios/msp_rollout.toml scenarios/telemedicine.toml \
  scenarios/docteurs_juniors.toml scenarios/pacte_2025.toml scenarios/installation_aid.toml \
  scenarios/salaried_gps.toml scenarios/cesp.toml scenarios/numerus_pipeline.toml \
  scenarios/unscheduled_care.toml scenarios/mcs.toml scenarios/ephemeral_practices.toml \
  scenarios/france_sante.toml --seeds 3 --ed-sensitivity --replacement-range \
  --out results/compare_centre_val_de_loire --force
(cd results/compare_france_pacte && "$ROOT/$BIN/accesssim" compare scenarios/baseline.toml \
  scenarios/solidarity_2025.toml scenarios/docteurs_juniors.toml scenarios/msp_rollout.toml \
  scenarios/telemedicine.toml scenarios/installation_regulation.toml scenarios/pacte_2025.toml \
  --out . --force)
$BIN/accesssim sensitivity experiments/levers_cvl.toml --workers 2 --out results --force
$BIN/accesssim optimise plans/cvl_solidarity_budget.toml --refine 2 --workers 2 \
  --out results/optimise_cvl --force
BIN=$BIN scripts/sensitivity_example.sh
