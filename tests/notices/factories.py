"""Notices in each state, made directly (the service is tested on its own): the period is set relative to
today in China, so that a test reads the same whatever day it runs."""

from datetime import timedelta

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import Organisation
from accounts.roles import Role
from notices.calendar import today_in_china
from notices.models import NoticeEntry, Objection, PublicNotice
from tests.factories import OrganisationFactory, make_user


def department_officer():
    return make_user(Role.DEPARTMENT_OFFICER)


class NoticeEntryFactory(factory.django.DjangoModelFactory):
    """An entry standing for a league/city industry bureau (any model will do: subjects are generic)."""

    class Meta:
        model = NoticeEntry

    notice = None  # always given
    position = 1
    label = factory.Sequence(lambda n: f"测试盟{n}")
    title = factory.LazyAttribute(lambda o: f"{o.label}制造业数字化转型试点总体方案")
    detail = "综合得分 86.50"
    subject_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Organisation))
    subject_id = factory.LazyFunction(lambda: OrganisationFactory().pk)


class PublicNoticeFactory(factory.django.DjangoModelFactory):
    """An open notice (started two days ago, ends in three days) with three entries; traits for the other
    states: ``ended``, ``upcoming``, ``final``. ``entries=N`` for another number of entries."""

    class Meta:
        model = PublicNotice
        skip_postgeneration_save = True

    class Params:
        officer = factory.LazyFunction(department_officer)
        ended = factory.Trait(
            starts_on=factory.LazyFunction(lambda: today_in_china() - timedelta(days=10)),
            ends_on=factory.LazyFunction(lambda: today_in_china() - timedelta(days=1)),
        )
        upcoming = factory.Trait(
            starts_on=factory.LazyFunction(lambda: today_in_china() + timedelta(days=1)),
            ends_on=factory.LazyFunction(lambda: today_in_china() + timedelta(days=8)),
        )
        final = factory.Trait(ended=True, status=PublicNotice.Status.FINAL)

    title = factory.Sequence(lambda n: f"关于2024年制造业数字化转型试点初步名单的公示（{n}）")
    body = "经盟市申报、形式审查和专家评审，现将初步名单予以公示。"
    how_to_object = "请在公示期内通过本页面在线提出异议。"
    starts_on = factory.LazyFunction(lambda: today_in_china() - timedelta(days=2))
    ends_on = factory.LazyFunction(lambda: today_in_china() + timedelta(days=3))
    working_days = 5
    published_by = factory.SelfAttribute("officer")
    published_at = factory.LazyFunction(timezone.now)
    publisher = factory.LazyAttribute(lambda o: o.officer.membership.organisation)
    subject_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Organisation))
    subject_id = factory.LazyFunction(lambda: OrganisationFactory().pk)

    @factory.post_generation
    def entries(self, create, extracted, **kwargs):
        count = 3 if extracted is None else extracted
        NoticeEntry.objects.bulk_create(
            NoticeEntryFactory.build(notice=self, position=position) for position in range(1, count + 1)
        )


class ObjectionFactory(factory.django.DjangoModelFactory):
    """An open objection to the first entry of a new open notice; traits ``proposed_uphold``,
    ``proposed_dismiss`` (decided by a fresh officer)."""

    class Meta:
        model = Objection

    class Params:
        proposed_uphold = factory.Trait(
            status=Objection.Status.PROPOSED_UPHOLD,
            investigation="经核实，该盟市申报材料中的企业数量与统计数据不符。",
            decision_reason="申报材料不真实，撤销其入选资格。",
            decided_by=factory.LazyFunction(department_officer),
            decided_at=factory.LazyFunction(timezone.now),
        )
        proposed_dismiss = factory.Trait(
            status=Objection.Status.PROPOSED_DISMISS,
            investigation="经核实，申报材料与统计数据一致。",
            decision_reason="异议理由不成立。",
            decided_by=factory.LazyFunction(department_officer),
            decided_at=factory.LazyFunction(timezone.now),
        )

    notice = factory.SubFactory(PublicNoticeFactory)
    entry = factory.LazyAttribute(lambda o: o.notice.entries.order_by("position").first())
    name = factory.Sequence(lambda n: f"异议人{n}")
    contact = factory.Sequence(lambda n: f"1390000{n:04d}")
    grounds = "该盟市申报的改造企业数量明显高于实际，请予核实。"
    submitted_at = factory.LazyFunction(timezone.now)
    ip_address = "203.0.113.7"
