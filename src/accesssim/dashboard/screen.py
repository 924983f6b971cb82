"""The page on any screen and for any reader: its style sheet and a small browser script.

Why a module of its own: Solara's layout is built for a desktop (a 400 px sidebar open at
load, fixed widths) and leaves the page language and some names empty. What the Python
components cannot set is set here, in one place: the CSS (no horizontal scroll at 390 px,
tables scrolling inside their box, the view buttons wrapping at 1280 px, sliders' labels kept
for screen readers but drawn once) and a script run in the browser on load that sets
``<html lang="fr">``, closes the sidebar at load on a narrow screen (under Vuetify's 960 px
"mobile" breakpoint, where it would cover the page), closes it with Escape, and names the
menu button. The script changes the sidebar through its Vue component, which tells the
server, so the page's state stays the server's.
"""

from __future__ import annotations

import ipyvue
import solara
import traitlets

NARROW_PX = 960  # Vuetify's mobile breakpoint of Solara's sidebar (``AppLayout``)

SCREEN_CSS = f"""
html, body {{ overflow-x: hidden; }}
.main-column {{ width: 100%; box-sizing: border-box; min-width: 0; }}
.main-column .v-card {{ max-width: 100%; overflow-wrap: break-word; }}
.table-scroll {{ max-width: 100%; overflow-x: auto; }}
.table-scroll:focus {{ outline: 2px solid #1976d2; }}
.map-box svg {{ width: 100%; height: auto; }}
.view-buttons {{ flex-wrap: wrap; height: auto !important; }}
.view-buttons .v-btn {{ height: auto !important; min-height: 36px; white-space: normal; }}
.map-controls {{ max-width: 100%; }}
.series-row {{ display: flex; flex-wrap: wrap; gap: 8px; }}
img.series {{ flex: 1 1 360px; max-width: 100%; min-width: 0; height: auto; }}
.v-card__title {{ word-break: normal; overflow-wrap: break-word; }}
.main-column .v-btn {{ max-width: 100%; height: auto !important; min-height: 36px; }}
.main-column .v-btn__content {{ white-space: normal; flex-shrink: 1; }}
/* a slider's label is its accessible name; the page shows it above, with its value */
.dose .v-slider + .v-label, .dose .v-input__slot > .v-label,
.slider-seed .v-input__slot > .v-label, .slider-weeks .v-input__slot > .v-label {{
  position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap;
}}
.dose.inactive {{ opacity: 0.55; }}
.why-inactive {{ color: #8a4b00; }}
@media (max-width: {NARROW_PX - 1}px) {{
  .v-navigation-drawer {{ min-width: 0 !important; max-width: 100vw !important; }}
  .v-navigation-drawer--is-mobile {{ width: min(400px, 100vw) !important; }}
  .solara-content-main {{ padding: 4px !important; }}
  .main-column {{ padding: 0 !important; }}
  .v-toolbar__title {{ font-size: 1rem; white-space: normal; line-height: 1.2; }}
}}
"""

SCRIPT = """
<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.lang = "fr";
    const drawer = () => document.querySelector(".v-navigation-drawer");
    const close = () => {  // the menu button: the server toggles the sidebar's state
      const d = drawer();
      const button = document.querySelector(".v-app-bar__nav-icon");
      if (d && button && d.classList.contains("v-navigation-drawer--open")) { button.click(); }
    };
    const name = () => {
      document.querySelectorAll(".v-app-bar__nav-icon, header .v-btn--icon").forEach((b) => {
        if (!b.getAttribute("aria-label")) {
          b.setAttribute("aria-label", "Ouvrir ou fermer le panneau des réglages");
        }
      });
    };
    this.onKey = (e) => { if (e.key === "Escape") { close(); } };
    window.addEventListener("keydown", this.onKey);
    const narrow = window.innerWidth < NARROW_PX;
    let tries = 0;
    this.timer = setInterval(() => {  // until the sidebar is drawn, then once
      name();
      const d = drawer();
      if (d || ++tries > 40) {
        clearInterval(this.timer);
        if (narrow) { close(); }
      }
    }, 150);
    this.observer = new MutationObserver(name);
    this.observer.observe(document.body, {childList: true, subtree: true});
  },
  destroyed() {
    window.removeEventListener("keydown", this.onKey);
    clearInterval(this.timer);
    if (this.observer) { this.observer.disconnect(); }
  },
};
</script>
""".replace("NARROW_PX", str(NARROW_PX))


class _Screen(ipyvue.VueTemplate):
    template = traitlets.Unicode(SCRIPT).tag(sync=True)


@solara.component
def ScreenSetup():
    """Renders nothing visible: runs the script above once the page is in the browser."""
    return _Screen.element()
