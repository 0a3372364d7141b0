"""notice_publish: the period in working days, one notice per subject, the audit event and the PDF."""

import io
import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from accounts.models import Organisation
from audit.models import AuditEvent
from notices.calendar import next_working_day, today_in_china
from notices.models import PublicNotice
from notices.services import EntrySpec, notice_publish
from tests.factories import LeagueCityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

LEAGUES = ["包头市", "鄂尔多斯市", "赤峰市"]


def entries(names=LEAGUES):
    specs = []
    for name in names:
        bureau = OrganisationFactory(name=f"{name}工业和信息化局", region=LeagueCityFactory(name=name))
        specs.append(EntrySpec(name, f"{name}制造业数字化转型试点总体方案", "综合得分 88.00", bureau))
    return specs


def publish(officer, *, subject=None, specs=None, **kwargs):
    kwargs.setdefault("starts_on", date(2024, 9, 27))
    return notice_publish(
        actor=officer,
        subject=subject or OrganisationFactory(),
        title="关于2024年制造业数字化转型试点初步名单的公示",
        body="经盟市申报、形式审查和专家评审，拟确定以下盟市为2024年试点。\n现予公示。",
        entries=specs or entries(),
        working_days=kwargs.pop("working_days", 5),
        **kwargs,
    )


def test_publish_sets_the_period_in_working_days_across_national_day(officer):
    notice = publish(officer)
    assert (notice.starts_on, notice.ends_on, notice.working_days) == (date(2024, 9, 27), date(2024, 10, 9), 5)
    assert notice.status == PublicNotice.Status.PUBLISHED
    assert notice.publisher == officer.membership.organisation
    assert notice.published_by == officer


def test_a_start_on_a_day_off_moves_to_the_next_working_day(officer):
    # Saturday 09-28 is off; Sunday 09-29 is a make-up working day.
    notice = publish(officer, starts_on=date(2024, 9, 28))
    assert (notice.starts_on, notice.ends_on) == (date(2024, 9, 29), date(2024, 10, 10))


def test_the_start_defaults_to_today_in_china_or_the_next_working_day(officer):
    notice = publish(officer, starts_on=None)
    assert notice.starts_on == next_working_day(today_in_china())


def test_entries_keep_their_order_and_generic_subjects(officer):
    specs = entries()
    notice = publish(officer, specs=specs)
    rows = list(notice.entries.all())
    assert [(e.position, e.label) for e in rows] == [(1, "包头市"), (2, "鄂尔多斯市"), (3, "赤峰市")]
    assert [e.subject for e in rows] == [spec.subject for spec in specs]
    assert all(isinstance(e.subject, Organisation) and not e.withdrawn for e in rows)


def test_default_how_to_object_names_the_period_and_the_rules(officer):
    text = publish(officer).how_to_object
    assert "2024年9月27日至2024年10月9日（5个工作日）" in text
    assert "在线异议表" in text
    assert "姓名" in text
    assert "联系方式" in text
    assert "理由" in text
    assert "匿名异议、逾期提出的异议不予受理" in text


def test_given_how_to_object_is_kept(officer):
    assert publish(officer, how_to_object="请书面提出。").how_to_object == "请书面提出。"


def test_one_notice_per_subject(officer):
    subject = OrganisationFactory()
    publish(officer, subject=subject)
    with pytest.raises(ValidationError) as caught:
        publish(officer, subject=subject)
    assert caught.value.messages == ["该事项已发布过公示，不能重复发布。"]
    assert PublicNotice.objects.count() == 1


def test_the_database_refuses_a_second_notice_for_a_subject(officer):
    first = publish(officer)
    second = PublicNotice(
        **{
            field: getattr(first, field)
            for field in ("title", "body", "how_to_object", "starts_on", "ends_on", "working_days", "published_at")
        },
        published_by=officer,
        publisher=first.publisher,
        subject_type=first.subject_type,
        subject_id=first.subject_id,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"working_days": 0}, "公示期至少为1个工作日。"),
        ({"specs": []}, "公示名单不能为空。"),
    ],
)
def test_bad_input_is_refused_with_a_message(officer, change, message):
    specs = change.pop("specs", None)
    with pytest.raises(ValidationError) as caught:
        if specs is not None:
            notice_publish(
                actor=officer, subject=OrganisationFactory(), title="t", body="b", entries=specs, working_days=5
            )
        else:
            publish(officer, **change)
    assert caught.value.messages == [message]


def test_an_actor_without_organisation_cannot_publish(db):
    from tests.factories import UserFactory

    with pytest.raises(ValidationError) as caught:
        publish(UserFactory())
    assert caught.value.messages == ["发布人不属于任何机构，不能发布公示。"]


def test_publishing_is_audited(officer):
    notice = publish(officer)
    event = AuditEvent.objects.get(action="notice.publish", target_id=str(notice.pk))
    assert event.actor == officer
    assert event.target_type == "notices.publicnotice"
    assert event.changes["ends_on"] == "2024-10-09"
    assert event.changes["entries"][0] == "包头市 · 包头市制造业数字化转型试点总体方案"


def pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_pdf_is_rendered_after_commit_with_every_entry(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(officer)
    notice.refresh_from_db()
    document = notice.pdf
    assert document is not None
    assert document.owner == notice
    assert document.organisation == notice.publisher
    assert document.content_type == "application/pdf"
    text = pdf_text(document)
    assert "关于2024年制造业数字化转型试点初步名单的公示" in text
    for name in LEAGUES:
        assert name in text
        assert f"{name}制造业数字化转型试点总体方案" in text
    assert "2024年9月27日至2024年10月9日（5个工作日）" in text
    assert "匿名异议、逾期提出的异议不予受理" in text
    assert officer.membership.organisation.name in text


def test_the_pdf_is_not_rendered_when_publishing_rolls_back(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        publish(officer)
        raise RuntimeError
    assert PublicNotice.objects.count() == 0
    assert AuditEvent.objects.filter(action="notice.publish").count() == 0
    assert len(callbacks) == 0
