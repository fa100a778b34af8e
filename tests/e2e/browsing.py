"""What the browser tests share: signing in through the form, and screenshots at desktop and phone width."""

import re

from tests.factories import TEST_PASSWORD

WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth + 1
    && element.parentElement.getBoundingClientRect().right <= document.documentElement.clientWidth + 1)
  .slice(0, 5)
  .map((element) => `${element.tagName}.${element.className} ${Math.round(element.getBoundingClientRect().right)}`)"""


def log_in(page, base_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    """Through the login form, as a person would."""
    page.goto(f"{base_url}/triage/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/triage/")


def screenshots(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    # Nothing sticks out sideways on a phone: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(WIDEST)
    page.screenshot(path=str(artifacts / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
