"""The service's web page in a real headless browser (Debian chromium + chromium-driver through Selenium)."""

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

import korocr

pytest.importorskip("fastapi", reason="needs korocr[serve]")
uvicorn = pytest.importorskip("uvicorn", reason="needs korocr[serve]")
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian chromium and chromium-driver")

SAMPLE = Path(korocr.__file__).parent / "samples" / "sample_ko.png"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_upload_the_sample_and_see_korean_text(tmp_path):
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from korocr.service.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        opts.add_argument(a)
    opts.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        driver.find_element(By.ID, "file").send_keys(str(SAMPLE))
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#lines .line"))
        text = driver.find_element(By.ID, "lines").text
        assert "서울특별시" in text and "커피" in text
        drawn = driver.execute_script("return document.getElementById('canvas').width")
        assert drawn > 0  # the image with its boxes
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(10)
