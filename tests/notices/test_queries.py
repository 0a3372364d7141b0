"""The public notice page and the Department's pages cost the same number of queries at any size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import ObjectionFactory, PublicNoticeFactory

pytestmark = pytest.mark.django_db


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def notice_with(entries: int, objections: int):
    notice = PublicNoticeFactory(entries=entries)
    for _ in range(objections):
        ObjectionFactory(notice=notice)
    return notice


def test_the_public_notice_page_at_two_sizes(client):
    small, large = notice_with(3, 0), notice_with(12, 20)
    url = "public_notices:notice_detail"
    small_count = queries_of(client, reverse(url, kwargs={"pk": small.pk}))
    large_count = queries_of(client, reverse(url, kwargs={"pk": large.pk}))
    assert small_count == large_count
    assert small_count <= 3


def test_the_public_list_at_two_sizes(client):
    PublicNoticeFactory()
    few = queries_of(client, reverse("public_notices:notice_list"))
    PublicNoticeFactory.create_batch(10)
    assert queries_of(client, reverse("public_notices:notice_list")) == few


def test_the_department_pages_at_two_sizes(client, officer):
    small, large = notice_with(3, 1), notice_with(12, 20)
    client.force_login(officer)
    pages = [
        (
            reverse("notices:notice_manage", kwargs={"pk": small.pk}),
            reverse("notices:notice_manage", kwargs={"pk": large.pk}),
        ),
        (
            reverse("notices:objection_detail", kwargs={"pk": small.objections.first().pk}),
            reverse("notices:objection_detail", kwargs={"pk": large.objections.first().pk}),
        ),
    ]
    queries_of(client, reverse("notices:notice_list"))  # warm up the session
    list_few = queries_of(client, reverse("notices:notice_list"))
    for small_url, large_url in pages:
        assert queries_of(client, small_url) == queries_of(client, large_url)
    PublicNoticeFactory.create_batch(5)
    assert queries_of(client, reverse("notices:notice_list")) == list_few
