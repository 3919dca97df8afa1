"""A real front end (not part of CI): starts JupyterLab on the CoReg kernel, opens a notebook in
headless Chromium, runs every cell, and saves a screenshot once the figure is drawn.

    scripts/jupyter_screenshot.sh            # makes .build/venv-lab, installs chromium from Debian
    (or) python scripts/jupyter_screenshot.py NOTEBOOK.ipynb OUT.png
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import sync_playwright


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main(nb, out):
    root = os.path.dirname(os.path.abspath(nb))
    port = free_port()
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    lab = subprocess.Popen([jupyter, "lab", "--no-browser", "--port=%d" % port, "--IdentityProvider.token=", "--ServerApp.password=",
                            "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True",
                            "--ServerApp.root_dir=" + root] + (["--allow-root"] if os.geteuid() == 0 else []), stdout=subprocess.DEVNULL, stderr=open(out + ".lab.log", "w"))
    try:
        url = "http://127.0.0.1:%d" % port
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/api", timeout=1)
                break
            except Exception:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1100, "height": 1400}, device_scale_factor=1)
            page.goto(url + "/lab/tree/" + os.path.basename(nb) + "?reset")
            page.wait_for_selector(".jp-Notebook", timeout=120000)
            page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook-ExecutionIndicator') !== null", timeout=120000)
            time.sleep(3)   # the kernel connects
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            # the progress bar while the second cell trains, then the figure of the last cell
            try:
                page.wait_for_selector("progress", state="attached", timeout=120000)
                # the last cell's figure (JupyterLab draws image/svg+xml in .jp-RenderedSVG)
                page.wait_for_selector(".jp-RenderedSVG", state="attached", timeout=300000)
            except Exception:
                page.screenshot(path=out + ".failed.png")
                raise
            time.sleep(1)
            cells = page.query_selector_all(".jp-Cell")
            if len(cells) > 2:
                cells[2].scroll_into_view_if_needed()
                page.evaluate("document.querySelectorAll('.jp-Cell')[2].scrollIntoView({block: 'start'})")
            time.sleep(1)
            page.screenshot(path=out)
            browser.close()
        print("wrote", out)
    finally:
        lab.terminate()
        lab.wait(timeout=30)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
