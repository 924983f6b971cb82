"""The dashboard's numbers in headless Chromium (Selenium), each test small (Cher, 52 weeks,
3 seeds): the interval shown equals ``compare``'s with the same seeds; A/B with a zero-dose B
shows zero difference; the downloaded scenario TOML reproduces the run through ``accesssim
run``; the URL round-trips; the difference map has no two identical class labels."""

import csv
import os
import statistics
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("solara")
pytest.importorskip("selenium")

from test_dashboard import find_browser, running_dashboard  # noqa: E402

from accesssim.cli import main as cli  # noqa: E402
from accesssim.dashboard import fmt  # noqa: E402

# a run the tests open by link: Cher, solidarity days at 5 % and 1 day a month, seeds 1-3
RUN = {"territoire": "18 Cher", "graine": 1, "graines": 3, "semaines": 52,
       "participation": 0.05, "days_per_month": 1.0}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dash")
    with running_dashboard(tmp / "server.log", territory="18 Cher") as url:
        yield url, tmp / "server.log"


class Page:
    """A headless Chromium on the page, with the few actions the tests need."""

    def __init__(self, tmp: Path):
        found = find_browser()
        if found is None:
            if os.environ.get("CI"):
                pytest.fail("no chromium/chromedriver in CI: .ci/run should have installed them")
            pytest.skip("no chromium and chromedriver found")
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait

        self.downloads = tmp / "downloads"
        self.downloads.mkdir(exist_ok=True)
        opts = Options()
        opts.binary_location = found[0]
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-dev-shm-usage",
                    "--window-size=1500,3200", f"--user-data-dir={tmp / 'profile'}"):  # fmt: skip
            opts.add_argument(arg)
        self.d = webdriver.Chrome(service=Service(found[1]), options=opts)
        self.d.execute_cdp_cmd(
            "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(self.downloads)}
        )
        self.waiter = WebDriverWait(self.d, 120)

    def body(self) -> str:
        from selenium.webdriver.common.by import By

        return self.d.find_element(By.TAG_NAME, "body").text

    def until(self, cond):
        try:
            return self.waiter.until(lambda d: cond())
        except Exception as exc:
            raise AssertionError(f"{exc!r}\n{self.body()[-2500:]}") from None

    def button(self, text):
        from selenium.webdriver.common.by import By

        for b in self.d.find_elements(By.TAG_NAME, "button"):
            if text.casefold() in b.text.casefold():
                return b
        raise AssertionError(f"no button {text!r}")

    def idle(self) -> bool:
        try:
            return not self.button("Pause").is_enabled()
        except Exception:
            return False

    def open(self, base: str, query: dict, week: int):
        self.d.get(base + "?" + urllib.parse.urlencode(query))
        self.until(lambda: f"— semaine {week}" in self.body() and self.idle())

    def cells(self, css: str, label: str) -> list[str]:
        from selenium.webdriver.common.by import By

        row = self.d.find_element(By.XPATH, f"//table[contains(@class,'{css}')]"
                                  f"//tr[td[normalize-space()='{label}']]")  # fmt: skip
        return [td.text for td in row.find_elements(By.TAG_NAME, "td")[1:]]

    def download(self, label: str, pattern: str) -> Path:
        self.button(label).click()
        for _ in range(80):
            found = [p for p in self.downloads.glob(pattern) if p.stat().st_size > 0]
            if found:
                return found[0]
            time.sleep(0.25)
        raise AssertionError(f"no download {pattern}")

    def close(self):
        self.d.quit()


@pytest.fixture()
def page(tmp_path):
    p = Page(tmp_path)
    try:
        yield p
    finally:
        p.close()


def number(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def test_interval_shown_equals_compare(server, page):
    from accesssim.experiments import compare
    from accesssim.specs import scenario as scn

    page.open(server[0], RUN, 52)
    total = page.cells("effects", "Consultations renoncées évitées")[-1]
    med, rest = total.split(" [")
    lo, hi = rest.split("]")[0].split(" ; ")
    tables = {"scenario": {"name": "base", "years": 1, "seeds": 3},
              "territory": {"departement": "18"}}  # fmt: skip
    pol = dict(tables, scenario={"name": "pol", "years": 1, "seeds": 3},
               policies=[{"type": "solidarity_days", "start": 0, "participation": 0.05,
                          "days_per_month": 1.0}])  # fmt: skip
    cmp = compare.compare([scn.from_dict(tables), scn.from_dict(pol)], show_progress=False)
    want = cmp.summary["pol"]["forgone_avoided"]
    assert [med, lo, hi] == [fmt.number(x) for x in want], (total, want)


def test_a_b_with_a_zero_dose_b_shows_zero_difference(server, page):
    page.open(server[0], {**RUN, "participation": 0}, 52)  # A: every dose at zero
    page.button("Épingler cette simulation comme A").click()
    page.until(lambda: "retirer a" in page.body().casefold())
    page.button("Réinitialiser").click()  # B: zero doses again, the same seeds
    page.until(lambda: "— semaine 0" in page.body() and page.idle())
    assert "A est à la semaine 52, B à la semaine 0" in page.body()
    page.button("Lancer 52 semaines").click()
    page.until(lambda: "B − A (total du territoire)" in page.body() and page.idle())
    for label in ("Consultations renoncées évitées", "Passages aux urgences évitables évités",
                  "Coût des mesures (€)"):  # fmt: skip
        diff, better = page.cells("ab-diff", label)
        assert number(diff.rstrip("€")) == 0 and number(better.rstrip("%")) == 50, (label, diff)
    legend = page.d.find_element("css selector", ".ab-map").text
    assert "aucun écart" in legend and "bruit" not in legend


def test_settings_toml_reproduces_the_run_through_accesssim_run(server, page, tmp_path):
    page.open(server[0], RUN, 52)
    toml = page.download("Réglages (scénario TOML", "accesssim_scenario_cher-18_*.toml")
    table = page.download("Télécharger le tableau", "accesssim_epci_cher-18_*.csv")
    assert tomllib.loads(toml.read_text())["scenario"]["seeds"] == [1, 2, 3]
    out = tmp_path / "run"
    assert cli.main(["run", str(toml), "--out", str(out)]) == 0
    by_epci: dict[str, list[float]] = {}
    with (out / "epci_yearly.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            by_epci.setdefault(r["epci"], []).append(float(r["forgone"]))
    with table.open(encoding="utf-8") as f:
        page_rows = list(csv.DictReader(f))
    assert len(page_rows) == len(by_epci)
    for r in page_rows:  # the page: median of the 3 seeds' forgone, rounded to 0.1
        ran = by_epci[r["epci_siren"]]
        assert len(ran) == 3
        assert float(r["forgone_policy"]) == pytest.approx(statistics.median(ran), abs=0.051)


def test_url_round_trips(server, page):
    page.open(server[0], {**RUN, "semaines": 30}, 30)
    page.until(lambda: "graines=3" in page.d.current_url and "semaines=30" in page.d.current_url)
    link = page.d.current_url
    shown = page.cells("effects", "Consultations renoncées évitées")
    page.d.get("about:blank")
    page.d.get(link)
    page.until(lambda: "— semaine 30" in page.body() and page.idle())
    assert page.cells("effects", "Consultations renoncées évitées") == shown
    assert "participation=0.05" in page.d.current_url and "Jours de solidarité" in page.body()


def test_difference_map_has_no_two_identical_class_labels(server, page):
    page.open(server[0], RUN, 52)
    page.button("Différence").click()
    page.until(lambda: "aucun écart" in page.body())
    legend = page.d.find_element("css selector", ".map-legend").text
    classes = [x for x in legend.splitlines() if " pt" in x]
    assert len(classes) >= 3 and len(set(classes)) == len(classes), legend


def test_a_budget_plan_opens_and_runs_on_the_page(server, page):
    """The first plan of plans/ (Creuse, France Santé): its allocation shows, and the page
    runs it on the plan's territory, seeds and horizon, with its cost."""
    page.open(server[0], {"territoire": "18 Cher", "graines": 1}, 0)
    page.button("Ouvrir le plan").click()
    page.until(lambda: "Creuse (23) — semaine 104" in page.body() and page.idle())
    rows = page.d.find_elements("css selector", "table.plan-rows tr")
    assert len(rows) >= 2 and "France Santé" in rows[1].text
    cost = page.d.find_element("css selector", "p.euros").text
    assert number(cost.split("Coût des mesures :")[1].split("€")[0]) > 0, cost
