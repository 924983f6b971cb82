"""The numerus clausus / apertus pipeline: extra training places that reach installations about
ten years later. Within a five-year horizon they add nothing but cost; the rows say when the
first graduates arrive and how many installations lie beyond.
"""

from __future__ import annotations

from accesssim.params.parameters import Param
from accesssim.policies.base import PolicyHost, Slider
from accesssim.policies.installations import Pipeline, WorkforceLever
from accesssim.util.text import plural


class NumerusPipeline(WorkforceLever):
    """``extra_places`` training places a year in the territory's faculties (admissions to the
    second year). Each student costs the university ``cost_per_student_year`` for up to
    ``study_years`` years. After ``lag_years`` a cohort's graduates who are GPs (``gp_share``)
    and practise in the territory (``stay_share``) join that year's installation flow
    (``add_installations``) and choose where to install like every other new GP: they are
    additional, not moved. The rows report the installations still in the pipeline
    (expected, beyond the horizon if the run ends first) and the year of the first one."""

    kind = "numerus_pipeline"
    PAYER = "state"
    PAYER_SOURCE = (
        "universities are financed by the State: about 20,000 EUR of public money per medical "
        "student a year (https://lessentieldeleco.fr/5371-combien-coutent-vraiment-les-etudes-"
        "de-medecine-en-2026)"
    )
    LABEL = "Numerus apertus : places de formation en plus"
    HYPOTHESES = (  # the dashboard's "Hypothèses" panel (French)
        (
            "{extra_places:g} places de formation en plus par an dans les facultés du territoire ; "
            "{cost_per_student_year:.0f} € par étudiant et par an pendant {study_years} ans."
        ),
        (
            "Après {lag_years} ans, {gp_share:.0%} des diplômés deviennent généralistes et "
            "{stay_share:.0%} exercent dans le territoire : ils s'ajoutent aux installations."
        ),
        "Sur un horizon de moins de {lag_years} ans, la mesure coûte sans effet sur l'accès.",
    )
    SLIDERS = (
        Slider("numerus_places", "extra_places",
               "Numerus apertus : places en plus par an (facultés du territoire)", 1,
               high=200, unit="par an"),
    )  # fmt: skip
    PARAMS = {
        "extra_places": Param(
            13.1,
            "extra training places a year in the territory",
            "D",
            "Pacte territoire santé 2, engagement 5: numerus clausus +6.4 % in 10 regions "
            "(seeds/003), i.e. 131 places in 2015 in 10 regions, Centre-Val de Loire among "
            "them (https://pneumologie.lequotidiendumedecin.fr/archives/numerus-clausus-les-"
            "facs-qui-stagnent-et-celles-qui-progressent): 13.1 a region",
            0,
            10000,
        ),
        "lag_years": Param(
            10,
            "years from admission to installation",
            "A",
            "the issue's 'about 9-10 years'; after the studies, the mean delay from thesis to "
            "installation is 3.8 years, the median 2 (FACTS.md §3.2)",
            1,
            20,
            kind="integer",
            range=(9, 13),
            distribution="uniform",
            range_source="9-10 years (issue 20) to studies plus the mean 3.8-year delay "
            "after the thesis (FACTS.md §3.2)",
        ),
        "gp_share": Param(
            0.4,
            "share of the extra students who become GPs",
            "A",
            "no figure retrieved for the share of residents in general practice",
            0,
            1,
            range=(0.25, 0.6),
            distribution="uniform",
            range_source="no figure: a wide range around the assumption",
        ),
        "stay_share": Param(
            0.6,
            "share of those GPs who practise in the territory where they trained",
            "A",
            "no figure; students away from their region for more than 5 years rarely come "
            "back (https://archive.nossenateurs.fr/intervention/2063523, qualitative)",
            0,
            1,
            range=(0.3, 0.9),
            distribution="uniform",
            range_source="no figure: a wide range",
        ),
        "cost_per_student_year": Param(
            20_000.0,
            "euros of public money per medical student a year",
            "S",
            "about 20,000 EUR a year, 200,000 EUR over ten years (https://diploma-sante.fr/"
            "blog/qui-finance-les-etudes-de-medecine/, secondary)",
            0,
            1e6,
        ),
        "study_years": Param(
            9,
            "years a student is paid for by the university after admission",
            "D",
            "studies of about 10 years (diploma-sante.fr, secondary), less the first year "
            "before the numerus",
            1,
            20,
            kind="integer",
        ),
    }

    def _zero_year(self):
        return {
            "extra_places": 0,
            "students_in_training": 0,
            "pipeline_installations": 0,
            "pipeline_installations_pending": 0.0,
            "first_installation_year": 0,
            "cost_eur": 0.0,
        }

    def prepare(self, model: PolicyHost) -> None:
        self.pipeline = Pipeline()  # students, by years since admission
        self.schedule_yearly(model, self._year)

    def _year(self) -> None:
        m, v = self.model, self.v
        year = m.start_year + m.year_index
        n, due = self.pipeline.advance(year, v.extra_places, v.lag_years)
        first_year = self.pipeline.first_year
        studying = self.pipeline.waiting(v.study_years)
        share = v.gp_share * v.stay_share
        self.year["extra_places"] += n
        self.year["students_in_training"] = studying
        self.year["cost_eur"] += studying * v.cost_per_student_year
        self.year["pipeline_installations_pending"] = self.pipeline.waiting() * share
        self.year["first_installation_year"] = first_year or 0
        if not due:
            if first_year is None:
                self.no_effect("no dose" if v.extra_places <= 0 else "no whole place yet")
            else:
                self.no_effect(
                    f"first graduates install in {first_year} "
                    f"({plural(v.lag_years, 'year')} after admission)"
                )
            return
        k = int(self.rng.binomial(due, share))
        if k == 0:
            self.no_effect("no graduate due this year became a GP practising here")
            return
        m.add_installations(k)  # placed at this year's end by the installation choice
        self.year["pipeline_installations"] += k
