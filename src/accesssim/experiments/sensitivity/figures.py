"""The study's figures: one ranked bar chart per output and method.

Why apart: the only module that draws (matplotlib, imported when called).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from accesssim.experiments.sensitivity.noise import within_noise


def figures(done: dict, root: Path) -> list[Path]:
    """One ranked bar figure per output and method (grey, and titled so, when the output is
    within numerical noise: ``within_noise``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for method, rows, val, err in (
        ("morris", done["morris"], "mu_star", "mu_star_conf"),
        ("sobol", done["sobol"], "ST", "ST_conf"),
    ):
        by: dict[str, list[dict]] = {}
        for r in rows:
            by.setdefault(r["output"], []).append(r)
        for out, rs in by.items():
            rs = sorted((r for r in rs if np.isfinite(r[val])), key=lambda r: r[val])
            if not rs:
                continue
            noise = within_noise(done, method, out)
            fig, ax = plt.subplots(figsize=(7, 0.3 * len(rs) + 1.2))
            ax.barh(
                [r["parameter"] for r in rs],
                [r[val] for r in rs],
                xerr=[r[err] for r in rs],
                color="#bbbbbb" if noise else "#4477aa",
            )
            if method == "sobol":
                ax.scatter(
                    [r["S1"] for r in rs], range(len(rs)), color="#ee6677", zorder=3, label="S1"
                )
                ax.legend(loc="lower right")
            ax.set_xlabel(
                {
                    "morris": "μ* (mean |elementary effect|), 95 % CI",
                    "sobol": "total index ST (bars, 95 % CI), first-order S1 (dots)",
                }[method]
            )
            ax.set_title(
                f"{out}\nNOT ANALYSABLE: within numerical noise (report.md)" if noise else out,
                fontsize=9,
            )
            fig.tight_layout()
            slug = "".join(c if c.isalnum() else "_" for c in out).strip("_")
            f = root / f"{method}_{slug}.png"
            tmp = f.with_suffix(".tmp.png")
            fig.savefig(tmp, dpi=90)
            plt.close(fig)
            os.replace(tmp, f)
            files.append(f)
    return files
