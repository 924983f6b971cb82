"""Dashboard: the app builds; end to end in headless Chromium (Debian's, driven by Selenium)."""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("solara")

from accesssim import cli  # noqa: E402


def test_app_module_builds_its_components():
    from accesssim import app

    m = app.DashboardModel(
        territory="18 Cher",
        participation=0.5,
        days_per_month=2,
        msp_per_year=2,
        tele_share=0.06,
        juniors_per_year=3700,
    )
    assert {p.kind for p in m.policies} == {
        "solidarity_days",
        "msp_rollout",
        "telemedicine",
        "docteurs_juniors",
    }
    for _ in range(3):
        m.step()
    assert m.steps == 3 and m.baseline.steps == 3
    assert len(m.series["policy"]) == 3 and m.cost_so_far() > 0
    for ind in app.INDICATORS:
        v = m.epci_values(ind)
        assert len(v) == len(m.territory.epcis) and np.isfinite(v[m.territory.epcis.core]).any()
    page = app.make_page(m)
    assert page is not None
    assert "18 Cher" in app.territory_choices() and "Bretagne" in app.territory_choices()


def find_browser():
    for b, d in (
        ("/usr/bin/chromium", "/usr/bin/chromedriver"),
        (shutil.which("chromium"), shutil.which("chromedriver")),
    ):
        if b and d and Path(b).exists() and Path(d).exists():
            return b, d
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def dashboard(tmp_path):
    port = free_port()
    env = {**os.environ, "ACCESSSIM_DASHBOARD_REGION": "18 Cher"}
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        cli.dashboard_command("127.0.0.1", port),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(url, timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"dashboard did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_end_to_end_in_headless_chromium(dashboard, tmp_path):
    found = find_browser()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium/chromedriver in CI: .ci/run should have installed them")
        pytest.skip("no chromium and chromedriver found (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser, driver = found
    opts = Options()
    opts.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1500,1100",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(driver), options=opts)
    wait = WebDriverWait(d, 90)
    try:
        d.get(dashboard)
        wait.until(lambda d: "Cost so far: 0 €" in d.page_source)
        assert "18 Cher" in d.page_source

        # raise volunteer participation with the keyboard on its slider, then rebuild
        slider = d.find_element(
            By.CSS_SELECTOR, "[role=slider][aria-label='solidarity: volunteer participation']"
        )
        assert slider.get_attribute("aria-valuenow") == "0"
        d.execute_script("arguments[0].focus()", slider)
        ActionChains(d).send_keys(*[Keys.ARROW_RIGHT] * 10).perform()
        wait.until(lambda d: float(slider.get_attribute("aria-valuenow")) > 0)
        d.find_element(
            By.XPATH,
            "//button[.//*[contains(text(), 'Reset')] or "
            "contains(., 'Reset') or contains(., 'RESET')]",
        ).click()
        time.sleep(2)
        # step the model a few times
        step = d.find_element(By.XPATH, "//button[contains(., 'Step') or contains(., 'STEP')]")
        for _ in range(3):
            step.click()
            time.sleep(1)
        wait.until(lambda d: "Week 3" in d.page_source or "Week 2" in d.page_source)
        # then run a batch of weeks with the dashboard's own runner
        d.find_element(By.XPATH, "//button[contains(., 'weeks') or contains(., 'WEEKS')]").click()
        wait.until(lambda d: "Week 16" in d.page_source)
        text = d.find_element(By.TAG_NAME, "body").text
        cost = text.split("Cost so far:")[1].split("€")[0]
        assert float(cost.replace(",", "").replace("\u202f", "").strip()) > 0, cost
        d.save_screenshot(str(tmp_path / "dashboard.png"))
        assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    finally:
        d.quit()


def test_dashboard_command_refuses_an_unknown_place_before_starting(capsys):
    assert cli.main(["dashboard", "--departement", "Landess"]) == 2
    assert "unknown département 'Landess'; close matches: Landes" in capsys.readouterr().err
