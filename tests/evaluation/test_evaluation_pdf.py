"""The evaluation report PDF (evaluation.reports_pdf): rendered after the leader's decision, kept as the
evaluation's PDF, downloadable by whoever sees the pilot; its text read back with pypdf."""

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.roles import Role
from documents.models import Document
from evaluation import tasks
from evaluation.models import Evaluation, Report
from evaluation.reports_pdf import render_evaluation_pdf_now
from tests.factories import make_user
from tests.pilots.factories import applicant_of, make_applicant
from tests.pilots.test_selection import officer

from .progress_factories import evaluation_of, evaluation_report, pilot, rate, self_assessment

BIG, SMALL, CLOUD = "规上制造业企业", "规下制造业企业", "企业上云率"


def squeezed(text: str) -> str:
    """Text without white space: cells wrap and extraction breaks lines where they wrap."""
    return re.sub(r"\s+", "", text)


def pdf_text(document: Document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def rectified(db):
    """A mid-term evaluation not met in round 1, rectified, and still not met in round 2 (decided)."""
    plan = pilot()
    self_assessment(plan, 1, {BIG: 6, SMALL: 9})
    evaluation = evaluation_of(
        plan,
        "midterm",
        status=Evaluation.Status.NOT_MET,
        round=2,
        proposed_by=officer(),
        proposed_at=timezone.now(),
        officer_opinion="数字车间建设滞后，整改后仍未达到中期目标。",
        leader_comment="同意，按规定收回部分资金。",
        rectification_deadline=timezone.localdate() + timedelta(days=45),
        rectification_items="补齐数字车间建设，完善企业上云台账。",
    )
    evaluation_report(evaluation, {BIG: 6, SMALL: 9, CLOUD: "55.0"}, status=Report.Status.ACCEPTED)
    evaluation_report(evaluation, {BIG: 8, SMALL: 10, CLOUD: "60.0"}, kind=Report.Kind.RECTIFICATION)
    rate(evaluation, BIG, met=False, round=1)
    rate(evaluation, SMALL, met=True, round=1)
    rate(evaluation, BIG, met=True, round=2)
    rate(evaluation, SMALL, met=True, round=2)
    rate(evaluation, CLOUD, met=False, round=2, computed_met=False, comment="企业上云台账不完整，不予认定。")
    return evaluation


def test_the_pdf_holds_header_table_ratings_opinion_decision_rectification_and_signatures(rectified):
    document = render_evaluation_pdf_now(rectified.pk)
    rectified.refresh_from_db()
    assert rectified.pdf == document
    assert (document.content_type, document.purpose, document.owner) == ("application/pdf", "evaluation_pdf", rectified)
    plan = rectified.plan
    text = squeezed(pdf_text(document))
    assert squeezed(f"{plan.region.name}制造业数字化转型试点中期绩效评价报告") in text
    assert squeezed(plan.title) in text and squeezed(plan.approval.number) in text
    assert "关键指标全部达到目标，且达标指标占全部指标的比例不低于80%。" in text
    assert "评价结论未达标" in text
    # The table: mid-term targets, both rounds' actuals, completions and ratings.
    assert "规上制造业企业（家）" in text and "企业上云率（%）" in text
    assert "中期目标" in text and "整改后再评价" in text
    assert "3" + "7" + "6" + "75.0%" + "未达标" + "8" + "125.0%" + "达标" in text  # BIG: (8 − 3) / (7 − 3)
    assert "企业上云台账不完整，不予认定。" in text
    assert "数字车间建设滞后，整改后仍未达到中期目标。" in text
    assert "同意，按规定收回部分资金。" in text
    assert "补齐数字车间建设，完善企业上云台账。" in text
    deadline = rectified.rectification_deadline
    assert f"整改期限：{deadline.year}年{deadline.month}月{deadline.day}日" in text
    assert "评价人（签字）" in text and "审核人（签字）" in text and "日期" in text
    # The charts are printed with their labels.
    assert "关键指标·企业集聚" in text and "期初" in text


def test_rendering_is_idempotent_per_decision_and_again_after_a_later_one(rectified):
    first = render_evaluation_pdf_now(rectified.pk)
    assert render_evaluation_pdf_now(rectified.pk) == first
    assert Document.objects.filter(purpose="evaluation_pdf").count() == 1
    Evaluation.objects.filter(pk=rectified.pk).update(decided_at=timezone.now() + timedelta(seconds=1))
    second = render_evaluation_pdf_now(rectified.pk)
    assert second != first
    rectified.refresh_from_db()
    assert rectified.pdf == second


def test_an_undecided_evaluation_has_no_pdf(db):
    evaluation = evaluation_of(pilot(), "final", status=Evaluation.Status.RATING)
    assert render_evaluation_pdf_now(evaluation.pk) is None
    assert not Document.objects.filter(purpose="evaluation_pdf").exists()


def test_a_met_final_evaluation_has_one_round_and_no_rectification(db):
    plan = pilot()
    evaluation = evaluation_of(plan, "final", status=Evaluation.Status.MET)
    evaluation_report(evaluation, {BIG: 12}, status=Report.Status.ACCEPTED)
    rate(evaluation, BIG, met=True)
    document_id = tasks.render_evaluation_pdf.delay(evaluation.pk).get()  # eager without a broker
    evaluation.refresh_from_db()
    assert evaluation.pdf_id == document_id
    text = squeezed(pdf_text(evaluation.pdf))
    assert "期后绩效评价报告" in text and "评价结论达标" in text
    assert "目标值" in text and "12" + "12" + "100.0%" + "达标" in text
    assert "整改后再评价" not in text and "整改要求" not in text


def test_the_pdf_is_downloaded_by_whoever_sees_the_pilot_and_linked_from_its_page(rectified):
    document = render_evaluation_pdf_now(rectified.pk)
    plan = rectified.plan
    url = reverse("documents:download", args=[document.pk])
    for user, status in (
        (applicant_of(plan), 200),
        (make_user(Role.FINANCE_DEPARTMENT), 200),
        (make_user(Role.AUDITOR), 200),
        (make_applicant(), 404),
        (make_user(Role.AGENCY_COORDINATOR), 404),
    ):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client = Client()
    client.force_login(applicant_of(plan))
    html = client.get(reverse("evaluation:pilot_detail", args=[plan.pk])).content.decode()
    assert f'href="{url}" data-testid="evaluation-pdf"' in html
