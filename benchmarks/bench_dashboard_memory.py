"""The dashboard server's memory after many page loads (issue 23: under 1.5 GB after 20 page
loads including 4 France builds; before the culling, 3.69 GB and never released).

Not a test (about 3 minutes, 4 France builds): see README.md here. Starts the server as
``accesssim dashboard`` does, opens the page ``--loads`` times in one headless Chromium tab
(each load leaves the previous page, as a reader moving on), builds France entière on
``--france`` of them (chosen in the territory list, then Réinitialiser) and runs a few weeks
on the others, and reads the server's resident memory (``VmRSS``) after each load, then
after ``--settle`` seconds. Then it checks the idle culling of a page left open: with
``ACCESSSIM_DASHBOARD_IDLE`` short, a page with its models loses them and the memory falls.

Usage: python benchmarks/bench_dashboard_memory.py [--loads 20] [--france 4] [--bound-mb 1500]
Prints one JSON line a load and a summary; exits 1 when the memory after the loads is over
the bound.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` (Linux ``/proc``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, idle: str, log_path: Path) -> subprocess.Popen:
    from accesssim.cli import dashboard_server

    env = dict(os.environ, ACCESSSIM_DASHBOARD_IDLE=idle, PYTHONPATH=str(ROOT / "src"))
    log = open(log_path, "w")
    proc = subprocess.Popen(
        dashboard_server.dashboard_command("127.0.0.1", port, territory="18 Cher"),
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the dashboard did not start: {log_path.read_text()[-2000:]}")


def browser(width: int = 1280):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from test_dashboard import find_browser

    found = find_browser()
    if found is None:
        raise SystemExit("no chromium and chromedriver (apt-get install chromium chromium-driver)")
    opts = Options()
    opts.binary_location = found[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},1600"):  # fmt: skip
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(found[1]), options=opts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loads", type=int, default=20)
    ap.add_argument("--france", type=int, default=4)
    ap.add_argument("--bound-mb", type=float, default=1500.0)
    ap.add_argument("--settle", type=float, default=10.0)
    # longer than a load and the settling (so that the figure after the loads is what closing
    # the pages freed), short enough to see the idle culling at the end
    ap.add_argument("--idle", default="45s", help="ACCESSSIM_DASHBOARD_IDLE for the server")
    args = ap.parse_args(argv)
    from selenium.webdriver.common.by import By

    port = free_port()
    log_path = Path("/tmp") / f"bench_dashboard_{port}.log"
    proc = start_server(port, args.idle, log_path)
    url = f"http://127.0.0.1:{port}/"
    d = browser()
    every = max(args.loads // max(args.france, 1), 1)
    france_loads = {i for i in range(args.loads) if i % every == every - 1}
    france_loads = set(sorted(france_loads)[: args.france])
    rows = []

    def body():
        return d.find_element(By.TAG_NAME, "body").text

    def wait_for(cond, timeout=180):
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                if cond():
                    return
            except Exception:  # the page is redrawing
                pass
            time.sleep(0.3)
        raise RuntimeError(f"timed out; page: {body()[:500]}")

    def button(text):
        buttons = d.find_elements(By.TAG_NAME, "button")
        return next(b for b in buttons if text.casefold() in b.text.casefold())

    def idle():
        return not button("Pause").is_enabled()

    def choose(label, item):
        field = d.find_element(
            By.XPATH, f"//label[normalize-space()='{label}']/following-sibling::*[1]"
        )
        d.execute_script("arguments[0].click()", field)
        menu = d.find_element(By.CSS_SELECTOR, ".menuable__content__active")
        xp = f".//div[contains(@class,'v-list-item__title') and normalize-space()='{item}']"
        for _ in range(40):
            found = menu.find_elements(By.XPATH, xp)
            if found:
                d.execute_script("arguments[0].click()", found[0])
                return
            d.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight", menu)
            time.sleep(0.2)
        raise RuntimeError(f"{item!r} not in {label!r}")

    t_start = time.time()
    try:
        start_mb = rss_mb(proc.pid)
        for i in range(args.loads):
            d.get(url)
            wait_for(lambda: "Cher (18) — semaine 0" in body() and idle())
            if i in france_loads:
                choose("Territoire (région ou département)", "France entière")
                time.sleep(0.5)
                button("Réinitialiser").click()
                wait_for(lambda: "France — semaine 0" in body() and idle(), timeout=300)
            else:
                button("Avancer d'une semaine").click()
                wait_for(lambda: "semaine 1 " in body())
            mb, s = round(rss_mb(proc.pid)), round(time.time() - t_start)
            rows.append({"load": i + 1, "france": i in france_loads, "rss_mb": mb, "s": s})
            print(json.dumps(rows[-1]), flush=True)
        d.get("about:blank")  # the last page closes too
        time.sleep(args.settle)
        after = rss_mb(proc.pid)
        peak = max(r["rss_mb"] for r in rows)
        # idle culling: a page left open with France built loses its models after the delay
        d.get(url)
        wait_for(lambda: "Cher (18) — semaine 0" in body() and idle())
        choose("Territoire (région ou département)", "France entière")
        time.sleep(0.5)
        button("Réinitialiser").click()
        wait_for(lambda: "France — semaine 0" in body() and idle(), timeout=300)
        open_mb = rss_mb(proc.pid)
        seconds = {"s": 1, "m": 60, "h": 3600}  # as dashboard.sessions.parse_duration
        idle_s = float(args.idle[:-1]) * seconds[args.idle[-1]]
        time.sleep(idle_s + 15)
        idle_mb = rss_mb(proc.pid)
        culled = "session released" in log_path.read_text()
    finally:
        d.quit()
        proc.terminate()
        proc.wait(timeout=30)
    summary = {
        "loads": args.loads, "france_builds": len(france_loads), "start_mb": round(start_mb),
        "peak_mb": peak, "after_loads_mb": round(after), "bound_mb": args.bound_mb,
        "open_france_page_mb": round(open_mb), "after_idle_cull_mb": round(idle_mb),
        "idle_cull_logged": culled, "minutes": round((time.time() - t_start) / 60, 1),
    }  # fmt: skip
    print(json.dumps(summary))
    return 0 if after < args.bound_mb and culled else 1


if __name__ == "__main__":
    sys.exit(main())
