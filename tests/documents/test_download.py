"""Private files are served only through documents:download, after the permission check."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from accounts.roles import Role

from .files import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return pdf_bytes(pages=3)


@pytest.fixture
def document(store_pdf, data):
    return store_pdf(name="包头市试点方案.pdf", data=data)


def url(document) -> str:
    return reverse("documents:download", args=[document.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_url_shape(document):
    assert url(document) == f"/files/{document.pk}/"


def test_owner_organisation_downloads_the_bytes(client, applicant, document, data):
    client.force_login(applicant)
    response = client.get(url(document))
    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote('包头市试点方案.pdf')}"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_inline_view(client, applicant, document):
    client.force_login(applicant)
    assert client.get(url(document), {"inline": "1"})["Content-Disposition"].startswith("inline; ")


def test_another_organisation_gets_404(client, make_user, document):
    client.force_login(make_user(Role.APPLICANT))
    assert client.get(url(document)).status_code == 404


def test_unknown_file_is_the_same_404(client, applicant, document):
    client.force_login(applicant)
    assert client.get(reverse("documents:download", args=[document.pk + 999])).status_code == 404


def test_anonymous_is_sent_to_login(client, document):
    response = client.get(url(document))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url(document)}"


def test_auditor_reads_any_file(client, make_user, document, data):
    client.force_login(make_user(Role.AUDITOR))
    response = client.get(url(document))
    assert response.status_code == 200
    assert body(response) == data


def test_only_get(client, applicant, document):
    client.force_login(applicant)
    assert client.post(url(document)).status_code == 405


def test_no_public_media_url(client, applicant, document):
    client.force_login(applicant)
    assert client.get(f"/media/{document.file.name}").status_code == 404
