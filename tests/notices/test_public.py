"""The public pages, as an anonymous visitor sees them: the notice, its PDF, and the objection form with
its spam defences and period rules."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from documents.models import Document
from notices.antispam import RATE_LIMIT, issue_form_token
from notices.models import Objection
from notices.services import chinese_date
from tests.documents.files import docx_bytes, jpeg_bytes, pdf_bytes, upload

from .factories import ObjectionFactory, PublicNoticeFactory

pytestmark = pytest.mark.django_db


def detail_url(notice) -> str:
    return reverse("public_notices:notice_detail", kwargs={"pk": notice.pk})


def errors_of(response) -> str:
    return response.content.decode()


def test_public_urls_live_under_notices_and_never_under_manage():
    assert reverse("public_notices:notice_list") == "/notices/"
    assert reverse("public_notices:notice_detail", kwargs={"pk": 7}) == "/notices/7/"
    assert reverse("public_notices:notice_pdf", kwargs={"pk": 7}) == "/notices/7/pdf/"
    assert reverse("notices:notice_list") == "/notices/manage/"


def test_the_list_shows_every_notice_to_anyone(client):
    running, ended = PublicNoticeFactory(), PublicNoticeFactory(ended=True)
    response = client.get(reverse("public_notices:notice_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert running.title in html
    assert ended.title in html
    assert '<html lang="zh-CN">' in html


def test_the_detail_page_works_without_login(client):
    notice = PublicNoticeFactory()
    response = client.get(detail_url(notice))
    assert response.status_code == 200
    html = response.content.decode()
    assert notice.title in html
    for entry in notice.entries.all():
        assert entry.label in html
        assert entry.title in html
    assert "公示中" in html
    assert f"公示期：{chinese_date(notice.starts_on)}至{chinese_date(notice.ends_on)}（5个工作日）" in html
    assert notice.how_to_object in html
    assert reverse("public_notices:notice_pdf", kwargs={"pk": notice.pk}) in html
    assert 'name="grounds"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_public_page_never_shows_an_objector(client):
    objection = ObjectionFactory(name="王秘密", contact="13812345678", grounds="不应公开的异议理由内容很长")
    html = client.get(detail_url(objection.notice)).content.decode()
    assert "王秘密" not in html
    assert "13812345678" not in html
    assert "不应公开的异议理由" not in html


def test_an_ended_notice_shows_its_state_and_no_form(client):
    html = client.get(detail_url(PublicNoticeFactory(ended=True))).content.decode()
    assert "公示已结束" in html
    assert 'name="grounds"' not in html


def test_a_withdrawn_entry_is_marked_with_its_reason_and_cannot_be_chosen(client):
    notice = PublicNoticeFactory()
    entry = notice.entries.get(position=2)
    entry.withdrawn, entry.withdrawn_reason = True, "经核实申报材料不真实。"
    entry.save()
    response = client.get(detail_url(notice))
    html = response.content.decode()
    assert "已撤销" in html
    assert "经核实申报材料不真实。" in html
    assert [value for value, _ in response.context["form"].fields["entry"].choices if value] == [
        e.pk for e in notice.entries.exclude(pk=entry.pk)
    ]


def test_the_pdf_is_public_and_served_as_pdf(client):
    notice = PublicNoticeFactory()
    response = client.get(reverse("public_notices:notice_pdf", kwargs={"pk": notice.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    notice.refresh_from_db()
    assert notice.pdf_id is not None  # rendered once, kept


def test_an_unknown_notice_is_404(client):
    assert client.get(reverse("public_notices:notice_detail", kwargs={"pk": 999999})).status_code == 404
    assert client.get(reverse("public_notices:notice_pdf", kwargs={"pk": 999999})).status_code == 404


# Filing -------------------------------------------------------------------------------------------------


def test_an_objection_filed_in_the_period_is_received(client, objection_data):
    notice = PublicNoticeFactory()
    response = client.post(detail_url(notice), objection_data(notice), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.notice, objection.entry.position, objection.name, objection.contact) == (
        notice,
        1,
        "张三",
        "13900001111",
    )
    assert objection.status == Objection.Status.OPEN
    assert objection.ip_address == "198.51.100.4"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert objection.reference in page.content.decode()
    assert objection.reference.startswith("YY")
    event = AuditEvent.objects.get(action="objection.file")
    assert event.actor is None
    assert event.target_id == str(objection.pk)
    assert event.ip_address == "198.51.100.4"
    assert event.organisation == notice.publisher
    assert "张三" not in str(event.changes)


def test_a_tampered_receipt_link_is_404(client, objection_data):
    notice = PublicNoticeFactory()
    location = client.post(detail_url(notice), objection_data(notice))["Location"]
    assert client.get(location[:-3] + "xx/").status_code == 404


def test_a_late_objection_is_refused_naming_the_end_date(client, objection_data):
    notice = PublicNoticeFactory(ended=True)
    response = client.post(detail_url(notice), objection_data(notice))
    assert response.status_code == 200
    assert f"公示期已于{chinese_date(notice.ends_on)}结束，逾期提出的异议不予受理。" in response.content.decode()
    assert Objection.objects.count() == 0


def test_the_last_day_still_counts(client, objection_data):
    notice = PublicNoticeFactory()
    notice.ends_on = notice.starts_on + timedelta(days=2)  # today
    notice.save()
    assert client.post(detail_url(notice), objection_data(notice)).status_code == 302


def test_an_objection_before_the_period_is_refused(client, objection_data):
    notice = PublicNoticeFactory(upcoming=True)
    response = client.post(detail_url(notice), objection_data(notice))
    assert f"公示期自{chinese_date(notice.starts_on)}开始，此前不受理异议。" in response.content.decode()
    assert Objection.objects.count() == 0


def test_a_filled_honeypot_is_refused(client, objection_data):
    notice = PublicNoticeFactory()
    response = client.post(detail_url(notice), objection_data(notice, website="http://spam.example"))
    assert response.status_code == 200
    assert "提交未通过校验，请刷新页面后重新填写。" in response.content.decode()
    assert Objection.objects.count() == 0


def test_the_honeypot_is_not_among_the_visible_fields(client):
    form = client.get(detail_url(PublicNoticeFactory())).context["form"]
    assert "website" not in [field.name for field in form.visible_fields()]


def test_a_form_sent_too_fast_is_refused(client, objection_data):
    notice = PublicNoticeFactory()
    response = client.post(detail_url(notice), objection_data(notice, token=issue_form_token(notice.pk)))
    assert "提交过快，请稍候几秒再提交。" in response.content.decode()
    assert Objection.objects.count() == 0
    # The form comes back filled in, with a new token.
    form = response.context["form"]
    assert form.data["grounds"] == objection_data(notice)["grounds"]


def test_a_form_older_than_two_hours_is_refused(client, objection_data):
    notice = PublicNoticeFactory()
    stale = issue_form_token(notice.pk, now=time.time() - 2 * 60 * 60 - 5)
    response = client.post(detail_url(notice), objection_data(notice, token=stale))
    assert "页面打开已超过2小时" in response.content.decode()
    assert Objection.objects.count() == 0


@pytest.mark.parametrize("token", ["", "forged", "other-notice"])
def test_a_missing_or_foreign_token_is_refused(client, objection_data, token):
    notice = PublicNoticeFactory()
    if token == "other-notice":
        token = issue_form_token(notice.pk + 1000, now=time.time() - 60)
    response = client.post(detail_url(notice), objection_data(notice, token=token))
    assert Objection.objects.count() == 0
    assert response.status_code == 200


def test_the_rate_limit_per_address_and_notice(client, objection_data):
    notice, other = PublicNoticeFactory(), PublicNoticeFactory()
    for _ in range(RATE_LIMIT):
        assert client.post(detail_url(notice), objection_data(notice), REMOTE_ADDR="192.0.2.1").status_code == 302
    response = client.post(detail_url(notice), objection_data(notice), REMOTE_ADDR="192.0.2.1")
    assert "同一网络地址每小时对同一公示最多提交5条异议，请稍后再试。" in response.content.decode()
    assert Objection.objects.count() == RATE_LIMIT
    # Another address, or another notice, is not held back.
    assert client.post(detail_url(notice), objection_data(notice), REMOTE_ADDR="192.0.2.2").status_code == 302
    assert client.post(detail_url(other), objection_data(other), REMOTE_ADDR="192.0.2.1").status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"grounds": "太短了"}, "异议事实和理由过短，请至少写10个字（现有3个字）。"),
        ({"grounds": "长" * 5001}, "异议事实和理由过长，最多5000个字（现有5001个字）。"),
        ({"name": ""}, "这个字段是必填项。"),
        ({"contact": ""}, "这个字段是必填项。"),
        ({"entry": ""}, "这个字段是必填项。"),
    ],
)
def test_bad_input_is_refused_with_its_message(client, objection_data, change, message):
    notice = PublicNoticeFactory()
    response = client.post(detail_url(notice), objection_data(notice, **change))
    assert message in response.content.decode()
    assert Objection.objects.count() == 0


def test_an_entry_of_another_notice_is_refused(client, objection_data):
    notice, other = PublicNoticeFactory(), PublicNoticeFactory()
    foreign = other.entries.first().pk
    response = client.post(detail_url(notice), objection_data(notice, entry=foreign))
    assert "选择一个有效的选项" in response.content.decode()
    assert Objection.objects.count() == 0


def test_an_attachment_is_kept_privately_for_the_objection(client, objection_data):
    notice = PublicNoticeFactory()
    data = objection_data(notice, attachment=upload("证明材料.pdf", pdf_bytes()))
    assert client.post(detail_url(notice), data).status_code == 302
    objection = Objection.objects.select_related("attachment").get()
    document = objection.attachment
    assert (document.content_type, document.owner, document.organisation) == (
        "application/pdf",
        objection,
        notice.publisher,
    )
    assert document.purpose == "objection_attachment"


def test_an_image_attachment_is_accepted(client, objection_data):
    notice = PublicNoticeFactory()
    assert client.post(detail_url(notice), objection_data(notice, attachment=upload("照片.jpg", jpeg_bytes())))[
        "Location"
    ]
    assert Objection.objects.get().attachment.content_type == "image/jpeg"


def test_an_attachment_is_judged_by_its_content(client, objection_data):
    notice = PublicNoticeFactory()
    data = objection_data(notice, attachment=upload("证明材料.pdf", docx_bytes()))
    response = client.post(detail_url(notice), data)
    assert response.status_code == 200
    assert "“证明材料.pdf”实际是Word文档" in response.content.decode()
    assert Objection.objects.count() == 0
    assert Document.objects.count() == 0


def test_csrf_stays_on_for_the_public_form(objection_data):
    notice = PublicNoticeFactory()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(detail_url(notice), objection_data(notice)).status_code == 403
    assert Objection.objects.count() == 0
    strict.get(detail_url(notice))
    data = objection_data(notice, csrfmiddlewaretoken=strict.cookies["csrftoken"].value)
    assert strict.post(detail_url(notice), data).status_code == 302
