"""Small helpers for the browser journeys: log in and out through the real forms, open an inbox task,
read the plan's status and timeline, make the files a user would upload.

Navigation in the Material shell goes through Hotwire Turbo, so after a click we wait for the URL or
for text to appear (Playwright's ``expect`` retries), never with sleeps.
"""

import io
import re

from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD


def login(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.vf-form button[type=submit]").click()
    expect(page.get_by_test_id("home")).to_be_visible()


def logout(page: Page, base_url: str) -> None:
    """Submit the shell's own logout form (POST with its CSRF token; Django 5 refuses GET)."""
    form = page.locator("form[action='/accounts/logout/']")
    expect(form).to_have_count(1)
    form.evaluate("form => form.requestSubmit()")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def open_inbox_task(page: Page, subject: str) -> None:
    """On the home page (where logging in lands), open the one task of "我的待办" whose object
    mentions ``subject``."""
    expect(page.get_by_test_id("home")).to_contain_text("我的待办")
    row = page.get_by_test_id("inbox").locator("tbody tr").filter(has_text=subject)
    expect(row).to_have_count(1)
    row.locator("a").click()


def expect_status(page: Page, text: str, *, timeout: float = 5_000) -> None:
    expect(page.get_by_test_id("plan-status")).to_have_text(text, timeout=timeout)


def timeline_steps(page: Page) -> list[str]:
    return [text.strip() for text in page.get_by_test_id("timeline").locator("li strong").all_inner_texts()]


def is_subsequence(wanted: list[str], steps: list[str]) -> bool:
    remaining = iter(steps)
    return all(any(step == item for step in remaining) for item in wanted)


def small_pdf(title: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def open_inbox_item(page: Page, title: str, subject: str) -> None:
    """On the home page, open the one item of "我的待办" titled ``title`` (e.g. "起草批复") whose object
    mentions ``subject`` (when several kinds of task wait for the same object)."""
    expect(page.get_by_test_id("home")).to_contain_text("我的待办")
    row = (
        page.get_by_test_id("inbox")
        .locator("tbody tr")
        .filter(has=page.get_by_role("link", name=title, exact=True))
        .filter(has_text=subject)
    )
    expect(row).to_have_count(1)
    row.get_by_role("link", name=title, exact=True).click()


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, as pypdf extracts it."""
    from pypdf import PdfReader

    assert data[:5] == b"%PDF-", data[:20]
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
