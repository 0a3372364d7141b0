"""The UI speaks Simplified Chinese, including viewflow's shell, and English on request."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role

pytestmark = pytest.mark.django_db

SHELL_STRINGS = Path(__file__).resolve().parents[2] / "templates" / "i18n" / "viewflow_strings.html"
TAG = re.compile(r'\{% translate "(?P<msgid>[^"]+)"(?: context "(?P<context>[^"]+)")? %\}')
BLOCK = re.compile(r"\{% blocktranslate %\}(?P<msgid>.+?)\{% endblocktranslate %\}")
ENGLISH_SHELL = ["Applications", "Log out", "Log in", "Profile", "No applications found."]


def shell_strings() -> list[tuple[str, str]]:
    text = SHELL_STRINGS.read_text(encoding="utf-8")
    found = [(m["context"] or "", m["msgid"]) for m in TAG.finditer(text)]
    found += [("", re.sub(r"\{\{ (\w+) \}\}", r"%(\1)s", m["msgid"])) for m in BLOCK.finditer(text)]
    return found


def test_every_listed_shell_string_has_a_chinese_translation():
    strings = shell_strings()
    assert len(strings) > 100
    with translation.override("zh-hans"):
        untranslated = [
            (context, msgid)
            for context, msgid in strings
            if (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) == msgid
        ]
    assert untranslated == []


def test_shell_phrases_in_chinese():
    with translation.override("zh-hans"):
        assert translation.gettext("Applications") == "功能导航"
        assert translation.gettext("Log out") == "退出登录"
        assert translation.gettext("Inbox") == "我的待办"
        assert translation.pgettext("STATUS", "Done") == "已完成"


@pytest.fixture
def bureau_client(client, make_user):
    client.force_login(make_user(Role.APPLICANT))
    return client


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return " ".join(t.strip() for t in re.findall(r">([^<]+)<", html) if t.strip())


def test_home_shell_is_chinese(bureau_client):
    text = visible_text(bureau_client.get("/"))
    assert "功能导航" in text
    assert "退出登录" in text
    assert "盟市工信局（申报）" in text
    for english in ENGLISH_SHELL:
        assert english not in text


def test_login_page_is_chinese(client):
    text = visible_text(client.get(reverse("login")))
    assert "登录" in text
    assert "内蒙古自治区制造业智改数转管理平台" in text
    assert "Log in" not in text


def test_an_english_browser_still_gets_chinese(bureau_client):
    text = visible_text(bureau_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert "退出登录" in text


def test_english_on_request(bureau_client):
    response = bureau_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    text = visible_text(bureau_client.get("/"))
    assert "Log out" in text
    assert "My tasks" in text
    assert "League/city industry bureau (applicant)" in text
    assert "退出登录" not in text
    assert bureau_client.cookies["django_language"].value == "en"


def test_english_login_page(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = visible_text(client.get(reverse("login")))
    assert "Log in" in text
    assert "登录" not in text


def test_back_to_chinese(bureau_client):
    bureau_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    bureau_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "退出登录" in visible_text(bureau_client.get("/"))


def test_english_validation_messages():
    from django.core.exceptions import ValidationError

    from accounts.validators import validate_uscc

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_uscc("91350100M000100Y4")
    assert caught.value.messages == ["A unified social credit code has 18 characters; this one has 17."]


ENGLISH_PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
PO_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def english_entries_needing_work() -> list[str]:
    """msgids of the English catalogue's live entries (not #~ obsolete) that are fuzzy or have an empty msgstr."""
    problems = []
    for block in re.split(r"\n\s*\n", ENGLISH_PO.read_text(encoding="utf-8")):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            keyword, _, rest = line.partition(" ")
            if line.startswith('"'):
                keyword, rest = key, line
            key = keyword
            fields[key] = fields.get(key, "") + "".join(PO_STRING.findall(rest))
        msgid = fields.get("msgid")
        if not msgid:  # the header, or an obsolete entry
            continue
        translations = [value for name, value in fields.items() if name.startswith("msgstr")]
        if fuzzy or not translations or not all(translations):
            problems.append(("fuzzy: " if fuzzy else "untranslated: ") + msgid)
    return problems


def test_every_english_string_is_translated_and_none_is_fuzzy():
    """A new Chinese string needs English: run `make messages` and translate every empty or fuzzy entry."""
    assert english_entries_needing_work() == []
