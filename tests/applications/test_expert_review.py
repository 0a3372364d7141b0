"""Expert review of applications above the round's threshold with the evaluation pool: conflict screening
on assignment, the expert's declaration and opinion, visibility for the expert, the Department's
conclusion waiting for every opinion."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services
from applications.models import SubsidyApplication
from applications.selectors import inbox_items
from tests.evaluation.factories import ExpertProfileFactory

from .cases import city_passed, make_world

pytestmark = pytest.mark.django_db
Status = SubsidyApplication.Status


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def in_review(world):
    return city_passed(world)


def test_an_expert_from_the_applications_city_is_screened_out(world, in_review):
    local = ExpertProfileFactory(home_region=world.county)
    with pytest.raises(ValidationError) as error:
        services.expert_assign(actor=world.officer, application=in_review, expert=local)
    assert "回避" in " ".join(error.value.messages)


def test_an_expert_tied_to_the_enterprise_is_screened_out(world, in_review):
    tied = ExpertProfileFactory(declared_ties=[world.enterprise.uscc])
    with pytest.raises(ValidationError):
        services.expert_assign(actor=world.officer, application=in_review, expert=tied)


def test_the_expert_declares_and_recommends_then_the_department_concludes(client, world, in_review):
    expert = ExpertProfileFactory()
    review = services.expert_assign(actor=world.officer, application=in_review, expert=expert)
    with pytest.raises(ValidationError) as error:
        services.expert_review_conclude(actor=world.officer, application=in_review, passed=True, conclusion="同意")
    assert "未提交评审意见" in " ".join(error.value.messages)
    assert [item.subject for item in inbox_items(expert.user)] == [
        f"{world.enterprise.name} · {in_review.project_name}"
    ]

    client.force_login(expert.user)
    url = reverse("applications:application_detail", args=[in_review.pk])
    assert "expert-opinion" in client.get(url).content.decode()
    response = client.post(
        reverse("applications:expert_opinion", args=[in_review.pk]),
        {"recommend": "1", "comment": "投资真实"},
        follow=True,
    )
    assert "请先声明无利益冲突" in response.content.decode()
    client.post(
        reverse("applications:expert_opinion", args=[in_review.pk]),
        {"no_conflict": "on", "recommend": "1", "comment": "投资真实，同意推荐"},
    )
    review.refresh_from_db()
    assert review.recommend is True and review.no_conflict_declared_at is not None
    with pytest.raises(ValidationError):
        services.expert_review_submit(actor=expert.user, review=review, no_conflict=True, recommend=False, comment="x")
    application = services.expert_review_conclude(
        actor=world.officer, application=in_review, passed=True, conclusion="专家同意推荐"
    )
    assert application.status == Status.CITY_PASSED


def test_only_the_assigned_expert_sees_and_answers(client, world, in_review):
    assigned, other = ExpertProfileFactory(), ExpertProfileFactory()
    review = services.expert_assign(actor=world.officer, application=in_review, expert=assigned)
    url = reverse("applications:application_detail", args=[in_review.pk])
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    assert in_review not in client.get(reverse("applications:application_list")).context["page"].object_list
    with pytest.raises(ValidationError):
        services.expert_review_submit(actor=other.user, review=review, no_conflict=True, recommend=True, comment="x")
    client.force_login(assigned.user)
    assert client.get(url).status_code == 200
    assert in_review in client.get(reverse("applications:application_list")).context["page"].object_list


def test_assignment_through_the_page_by_officers_only(client, world, in_review):
    expert = ExpertProfileFactory()
    url = reverse("applications:expert_assign", args=[in_review.pk])
    client.force_login(world.city_user)
    assert client.post(url, {"expert": expert.pk}).status_code == 404
    client.force_login(world.officer)
    page = client.get(reverse("applications:application_detail", args=[in_review.pk])).content.decode()
    assert expert.full_name in page
    client.post(url, {"expert": expert.pk})
    assert in_review.expert_reviews.get().expert == expert
