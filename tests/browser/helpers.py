"""What the browser tests do alike: log in as a demo user through the login page."""

from __future__ import annotations

from demo.seed import DEMO_PASSWORD


def log_in(page, base_url: str, username: str = "alex", password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")
