"""Subsidy rounds and applications in bulk: one round a year, the applications of each round spread over
every state the round allows, with their investments, evidence, expert reviews, public notice, payments
and fiscal contributions, and the audit events each state implies."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from itertools import product
from uuid import uuid4

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import Organisation
from applications.demo import load_demo_policies
from applications.models import (
    ApplicationExpertReview,
    FiscalContribution,
    InvestmentItem,
    SubsidyApplication,
    SubsidyPayment,
    SubsidyRound,
)
from applications.selectors import CHINA
from applications.services.cases import project_key
from applications.services.quotes import quote_subsidy
from documents.models import Document
from notices.models import NoticeEntry, PublicNotice

from .audit_writer import AuditWriter, Event
from .plans import STAMPED_PDF_PATH

A = SubsidyApplication.Status
# Weights of the states in a round, by the round's status.
WEIGHTS = {
    "open": {
        A.DRAFT: 15,
        A.SUBMITTED: 20,
        A.COUNTY_RETURNED: 8,
        A.COUNTY_PASSED: 15,
        A.CITY_RETURNED: 5,
        A.REJECTED: 5,
        A.CITY_PASSED: 15,
        A.EXPERT_REVIEW: 17,
    },
    "in_notice": {A.IN_NOTICE: 60, A.REJECTED: 12, A.COUNTY_RETURNED: 5, A.CITY_RETURNED: 5, A.DRAFT: 18},
    "final_newest": {
        A.NOTICE_PASSED: 25,
        A.APPROVED: 35,
        A.NOT_APPROVED: 5,
        A.REJECTED: 12,
        A.COUNTY_RETURNED: 5,
        A.CITY_RETURNED: 5,
        A.DRAFT: 13,
    },
    "final": {A.APPROVED: 60, A.NOT_APPROVED: 8, A.REJECTED: 12, A.COUNTY_RETURNED: 5, A.CITY_RETURNED: 5, A.DRAFT: 10},
}
# The steps each state went through after the submission, in order (see applications.services).
STEPS = {
    A.DRAFT: [],
    A.SUBMITTED: ["submit"],
    A.COUNTY_RETURNED: ["submit", "county_return"],
    A.COUNTY_PASSED: ["submit", "county_pass"],
    A.CITY_RETURNED: ["submit", "county_pass", "city_return"],
    A.REJECTED: ["submit", "county_pass", "city_reject"],
    A.CITY_PASSED: ["submit", "county_pass", "city_pass"],
    A.EXPERT_REVIEW: ["submit", "county_pass", "city_pass"],
    A.IN_NOTICE: ["submit", "county_pass", "city_pass", "notice"],
    A.NOTICE_PASSED: ["submit", "county_pass", "city_pass", "notice", "notice_result"],
    A.APPROVED: ["submit", "county_pass", "city_pass", "notice", "notice_result", "approve"],
    A.NOT_APPROVED: ["submit", "county_pass", "city_pass", "notice", "notice_result", "not_approve"],
}
STATUS_OF_STEP = {
    "submit": (A.DRAFT, A.SUBMITTED),
    "county_return": (A.SUBMITTED, A.COUNTY_RETURNED),
    "county_pass": (A.SUBMITTED, A.COUNTY_PASSED),
    "city_return": (A.COUNTY_PASSED, A.CITY_RETURNED),
    "city_reject": (A.COUNTY_PASSED, A.REJECTED),
    "city_pass": (A.COUNTY_PASSED, A.CITY_PASSED),
    "expert_review": (A.EXPERT_REVIEW, A.CITY_PASSED),
    "notice": (A.CITY_PASSED, A.IN_NOTICE),
    "notice_result": (A.IN_NOTICE, A.NOTICE_PASSED),
    "approve": (A.NOTICE_PASSED, A.APPROVED),
    "not_approve": (A.NOTICE_PASSED, A.NOT_APPROVED),
}
CATEGORIES = [("smart_retrofit", 70), ("industrial_internet_platform", 15), ("first_set_equipment", 15)]
AMOUNTS = [Decimal(n) for n in ("20500000", "24000000", "30000000", "38000000", "46200000", "52000000", "64000000")]
PROJECTS = [
    "生产线智能化改造",
    "数字化车间建设",
    "设备联网与数据采集",
    "智能仓储物流",
    "工业互联网平台建设",
    "质量检测智能化",
    "能源管控系统",
    "首台套装备推广",
]
THRESHOLD = Decimal("1000000")


@dataclass
class Quote:
    facts: dict
    amount: Decimal
    reasons: list


def _quotes(policy, day) -> dict[str, list[Quote]]:
    """Eligible quotes for a few facts per category, computed by the real calculator."""
    found = {}
    for category in policy.categories.prefetch_related("facts"):
        if category.code not in dict(CATEGORIES):
            continue
        options = []
        for fact in category.facts.all():
            if fact.kind == "money":
                options.append([(fact.code, str(amount)) for amount in AMOUNTS])
            elif fact.kind == "choice":
                options.append([(fact.code, value) for value, _label in fact.choices])
            else:
                options.append([(fact.code, "1")])
        quotes = []
        for combination in product(*options):
            facts = dict(combination)
            quote = quote_subsidy(category_code=category.code, facts=facts, policy_code=policy.code, on_date=day)
            if quote.eligible and quote.amount > 0:
                quotes.append(Quote(facts, quote.amount, list(quote.reasons)))
            if len(quotes) >= 6:
                break
        if quotes:
            found[category.code] = quotes
    return found


def _weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _aware(day, hour=10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)), CHINA)


def bench_rounds(*, years, people, officer, writer: AuditWriter) -> list[SubsidyRound]:
    """A round a year in every league/city (each city runs its own, as the Yangzhou measures do): 60 rounds
    at S=1, each with about 1,700 applications, its notice about a thousand entries."""
    rounds, regions = [], []
    for index, year in enumerate(years):
        policy = load_demo_policies(year=year)
        if index == len(years) - 1:
            status = SubsidyRound.Status.OPEN
        elif index == len(years) - 2:
            status = SubsidyRound.Status.IN_NOTICE
        else:
            status = SubsidyRound.Status.FINAL
        for league in people.leagues:
            rounds.append(
                SubsidyRound(
                    policy=policy,
                    year=year,
                    title=f"{league.name}{year}年制造业智能化改造和数字化转型奖补项目申报（基准测试数据）",
                    opens_at=_aware(datetime(year, 1, 1).date(), 0),
                    closes_at=_aware(datetime(year + 1, 1, 1).date(), 0),
                    expert_review_threshold=THRESHOLD,
                    status=status,
                )
            )
            regions.append(league)
    rounds = SubsidyRound.objects.bulk_create(rounds)
    Through = SubsidyRound.regions.through
    Through.objects.bulk_create(
        Through(subsidyround_id=subsidy_round.pk, region_id=league.pk)
        for subsidy_round, league in zip(rounds, regions, strict=True)
    )
    for subsidy_round, league in zip(rounds, regions, strict=True):
        subsidy_round.league = league

    def events(subsidy_round):
        who = {"actor_id": officer.pk, "actor_username": officer.username}
        yield Event(
            subsidy_round.opens_at - timedelta(days=10),
            "subsidy_round.create",
            subsidy_round.pk,
            subsidy_round.title,
            {"title": subsidy_round.title, "year": subsidy_round.year},
            **who,
        )
        yield Event(
            subsidy_round.opens_at,
            "subsidy_round.open",
            subsidy_round.pk,
            subsidy_round.title,
            {"status": ["draft", "open"]},
            **who,
        )

    writer.write("applications.subsidyround", rounds, events)
    return rounds


class SubsidySeeder:
    """Makes the applications of all rounds and remembers what their audit events need."""

    def __init__(self, *, rounds, people, applications: int, writer: AuditWriter, rng: random.Random):
        self.rounds, self.people, self.total, self.writer, self.rng = rounds, people, applications, writer, rng
        self.users = people.users
        self.city_users = {league.pk: self.users[f"bureau_{league.code}"] for league in people.leagues}
        self.sessions: dict[tuple[int, object], datetime] = {}  # (user id, day) → first action: one login
        self.history: dict[int, list] = {}  # application pk → [(when, step)]
        self.now = timezone.now()

    def run(self) -> int:
        per_round = self.total // len(self.rounds)
        newest_final = max((r.year for r in self.rounds if r.status == SubsidyRound.Status.FINAL), default=None)
        self.by_league = defaultdict(list)
        for enterprise in self.people.enterprises:
            self.by_league[enterprise.region.parent_id].append(enterprise)
        self.quotes = {}
        made = 0
        for index, subsidy_round in enumerate(self.rounds):
            count = per_round if index < len(self.rounds) - 1 else self.total - made
            kind = subsidy_round.status
            if kind == SubsidyRound.Status.FINAL:
                kind = "final_newest" if subsidy_round.year == newest_final else "final"
            made += self._round(subsidy_round, count, WEIGHTS[kind])
        return made

    def _round(self, subsidy_round, count: int, weights: dict) -> int:
        rng = self.rng
        if subsidy_round.policy_id not in self.quotes:
            day = subsidy_round.opens_at.date() + timedelta(days=40)
            self.quotes[subsidy_round.policy_id] = _quotes(subsidy_round.policy, day)
        quotes = self.quotes[subsidy_round.policy_id]
        categories = {code: weight for code, weight in CATEGORIES if code in quotes}
        latest = min(subsidy_round.closes_at, self.now) - timedelta(days=1)
        span = (latest - subsidy_round.opens_at).total_seconds() * 0.7
        enterprises = self.by_league[subsidy_round.league.pk] or self.people.enterprises
        apps, plans = [], []
        for _ in range(count):
            enterprise = enterprises[rng.randrange(len(enterprises))]
            status = _weighted(rng, weights)
            code = _weighted(rng, categories)
            quote = rng.choice(quotes[code])
            created = subsidy_round.opens_at + timedelta(seconds=rng.uniform(0, span))
            steps = STEPS[status]
            timeline, when = [], created
            for step in steps:
                when = min(when + timedelta(days=rng.uniform(1, 12), minutes=rng.uniform(0, 600)), latest)
                timeline.append((when, step))
            recommended = None
            if "city_pass" in steps:
                recommended = min(quote.amount, quote.amount * Decimal(rng.choice(["1", "0.9", "0.8"]))).quantize(
                    Decimal("0.01")
                )
            name = f"{rng.choice(PROJECTS)}项目（{subsidy_round.year}-{len(apps) + 1:06d}）"
            start = created.date() - timedelta(days=rng.randint(60, 300))
            app = SubsidyApplication(
                round=subsidy_round,
                enterprise=enterprise,
                project_name=name,
                project_key=project_key(name),
                category_code=code,
                period_from=start,
                period_to=start + timedelta(days=rng.randint(120, 540)),
                county=enterprise.region,
                facts=quote.facts,
                quote_amount=quote.amount,
                quote_eligible=True,
                quote_reasons=quote.reasons,
                status=status,
                created_by=self.people.enterprise_users[enterprise.pk],
                created_at=created,
                submitted_at=timeline[0][0] if timeline else None,
            )
            if "county_pass" in steps:
                app.recognised_facts, app.recognised_quote = quote.facts, quote.amount
                app.recognised_quote_reasons = quote.reasons
            app.recommended_amount = recommended
            if status == A.APPROVED:
                app.approved_amount, app.approved_on = recommended, timeline[-1][0].date()
            if status in (A.COUNTY_RETURNED, A.CITY_RETURNED, A.REJECTED, A.NOT_APPROVED):
                app.review_comment = "申报材料与现场核查情况不符，请补充设备采购合同和发票。"
            apps.append(app)
            plans.append((created, timeline))
        apps = SubsidyApplication.objects.bulk_create(apps, batch_size=2000)
        for app, (created, timeline) in zip(apps, plans, strict=True):
            self.history[app.pk] = [(created, "create"), *timeline]
        self._children(subsidy_round, apps)
        self._write_events(apps)
        self.history.clear()
        return len(apps)

    def _children(self, subsidy_round, apps) -> None:
        rng = self.rng
        items, documents, reviews, payments = [], [], [], []
        owner_type = ContentType.objects.get_for_model(SubsidyApplication)
        experts = self.people.experts
        for app in apps:
            investment = Decimal(
                next(
                    iter(v for k, v in app.facts.items() if k.endswith("investment") or k == "product_sales"),
                    "20500000",
                )
            )
            equipment = (investment * Decimal("0.7")).quantize(Decimal("0.01"))
            items += [
                InvestmentItem(
                    application=app,
                    kind="equipment",
                    description="数控加工中心及工业机器人",
                    amount=equipment,
                    invoice_number=f"FP{app.pk:08d}-1",
                ),
                InvestmentItem(
                    application=app,
                    kind="software",
                    description="制造执行系统（MES）",
                    amount=investment - equipment,
                    invoice_number=f"FP{app.pk:08d}-2",
                ),
            ]
            if app.submitted_at:
                documents.append(
                    Document(
                        file=STAMPED_PDF_PATH,
                        original_name="设备采购发票.pdf",
                        content_type="application/pdf",
                        size=525,
                        sha256="0" * 64,
                        purpose="subsidy_evidence",
                        organisation_id=app.enterprise_id,
                        created_at=app.submitted_at - timedelta(minutes=5),
                        owner_type=owner_type,
                        owner_id=app.pk,
                        uploaded_by=app.created_by,
                    )
                )
            needs_experts = app.status == A.EXPERT_REVIEW or (
                app.recommended_amount
                and app.recommended_amount > THRESHOLD
                and app.status in (A.IN_NOTICE, A.NOTICE_PASSED, A.APPROVED, A.NOT_APPROVED)
            )
            if needs_experts:
                chosen = rng.sample(experts, 2)
                for number, expert in enumerate(chosen):
                    done = app.status != A.EXPERT_REVIEW or number == 0
                    at = app.submitted_at + timedelta(days=20)
                    reviews.append(
                        ApplicationExpertReview(
                            application=app,
                            expert=expert,
                            assigned_by=self.users["dept"],
                            assigned_at=at,
                            no_conflict_declared_at=at + timedelta(days=2) if done else None,
                            recommend=True if done else None,
                            comment="项目投资真实，建议按推荐金额支持。" if done else "",
                            submitted_at=at + timedelta(days=2) if done else None,
                        )
                    )
            if app.status == A.APPROVED:
                paid = app.round.status == SubsidyRound.Status.FINAL and app.approved_on.year < self.now.year - 1
                payments.append(
                    SubsidyPayment(
                        application=app,
                        year=app.approved_on.year,
                        scheduled_amount=app.approved_amount,
                        paid_amount=app.approved_amount if paid else None,
                        paid_on=app.approved_on + timedelta(days=60) if paid else None,
                        voucher=f"BZ{app.pk:08d}" if paid else "",
                        recorded_by=self.users["finance"] if paid else None,
                    )
                )
        InvestmentItem.objects.bulk_create(items, batch_size=5000)
        documents = Document.objects.bulk_create(documents, batch_size=5000)
        reviews = ApplicationExpertReview.objects.bulk_create(reviews, batch_size=5000)
        payments = SubsidyPayment.objects.bulk_create(payments, batch_size=5000)
        contributions = self._contributions(payments)
        self._notice(subsidy_round, apps)
        users = self.users
        self.writer.write(
            "documents.document",
            documents,
            lambda d: [
                self._event(
                    d.created_at,
                    "document.upload",
                    d,
                    {"name": d.original_name, "sha256": d.sha256, "size": d.size, "purpose": d.purpose},
                    d.uploaded_by,
                )
            ],
        )
        self.writer.write("applications.applicationexpertreview", reviews, self._review_events)
        self.writer.write(
            "applications.subsidypayment",
            [p for p in payments if p.paid_amount],
            lambda p: [
                self._event(
                    _aware(p.paid_on),
                    "subsidy_payment.record",
                    p,
                    {"year": p.year, "paid_amount": str(p.paid_amount), "voucher": p.voucher},
                    users["finance"],
                )
            ],
        )
        self.writer.write(
            "applications.fiscalcontribution",
            contributions,
            lambda c: [
                self._event(
                    c.entered_at,
                    "fiscal_contribution.record",
                    c,
                    {"enterprise": c.enterprise_id, "year": c.year, "amount": [None, str(c.amount)]},
                    users["finance"],
                )
            ],
        )

    def _contributions(self, payments) -> list[FiscalContribution]:
        totals = defaultdict(Decimal)
        for payment in payments:
            totals[(payment.application.enterprise_id, payment.year)] += payment.scheduled_amount
        existing = set(
            FiscalContribution.objects.filter(year__in={y for _, y in totals}).values_list("enterprise_id", "year")
        )
        rows = [
            FiscalContribution(
                enterprise_id=enterprise,
                year=year,
                amount=(amount * 2).quantize(Decimal("0.01")),
                entered_by=self.users["finance"],
                entered_at=_aware(datetime(year, 12, 20).date()),
            )
            for (enterprise, year), amount in totals.items()
            if (enterprise, year) not in existing
        ]
        return FiscalContribution.objects.bulk_create(rows, batch_size=5000)

    def _notice(self, subsidy_round, apps) -> None:
        listed = [app for app in apps if app.status in (A.IN_NOTICE, A.NOTICE_PASSED, A.APPROVED, A.NOT_APPROVED)]
        if not listed:
            return
        officer = self.users["dept"]
        starts = max(when for app in listed for when, step in self._steps(app) if step == "notice").date()
        final = subsidy_round.status == SubsidyRound.Status.FINAL
        notice = PublicNotice.objects.create(
            title=f"{subsidy_round.title}拟奖补项目公示",
            body="现将拟奖补项目名单予以公示。",
            how_to_object="对公示名单有异议的，请在公示期内通过本页面提出。",
            starts_on=starts,
            ends_on=starts + timedelta(days=7),
            working_days=subsidy_round.notice_working_days,
            status=PublicNotice.Status.FINAL if final else PublicNotice.Status.PUBLISHED,
            published_by=officer,
            published_at=_aware(starts, 9),
            publisher=Organisation.objects.get(kind="department"),
            subject=subsidy_round,
            finalised_by=officer if final else None,
            finalised_at=_aware(starts + timedelta(days=8), 9) if final else None,
        )
        subject_type = ContentType.objects.get_for_model(SubsidyApplication)
        NoticeEntry.objects.bulk_create(
            [
                NoticeEntry(
                    notice=notice,
                    position=number,
                    label=app.enterprise.name,
                    title=app.project_name,
                    detail=f"拟奖补 {app.recommended_amount:,.2f} 元",
                    subject_type=subject_type,
                    subject_id=app.pk,
                )
                for number, app in enumerate(listed, start=1)
            ],
            batch_size=5000,
        )

    def _steps(self, app):
        return self.history[app.pk]

    def _event(self, when, action, target, changes, actor, organisation_id=None) -> Event:
        self.sessions.setdefault((actor.pk, when.date()), when)
        if when < self.sessions[(actor.pk, when.date())]:
            self.sessions[(actor.pk, when.date())] = when
        return Event(
            when,
            action,
            target.pk,
            str(target)[:255],
            changes,
            actor_id=actor.pk,
            actor_username=actor.username,
            organisation_id=organisation_id,
            ip_address=f"10.{actor.pk % 250}.{actor.pk // 250 % 250}.{7 + actor.pk % 200}",
            request_id=uuid4().hex,
        )

    def _review_events(self, review):
        at = review.assigned_at
        yield self._event(
            at,
            "subsidy_expert_review.assign",
            review,
            {"application": review.application_id, "expert": review.expert_id},
            self.users["dept"],
        )
        if review.submitted_at:
            yield self._event(
                review.submitted_at,
                "subsidy_expert_review.submit",
                review,
                {"recommend": True, "comment": review.comment},
                review.expert.user,
            )

    def _write_events(self, apps) -> None:
        self.writer.write("applications.subsidyapplication", apps, self._app_events)

    def _app_events(self, app):
        users, rng = self.users, self.rng
        enterprise_user = app.created_by
        county_user = self.people.county_users[app.county_id]
        city_user = self.city_users[app.county.parent_id]
        history = self._steps(app)
        created = history[0][0]
        changes = {
            "project_name": app.project_name,
            "category_code": app.category_code,
            "facts": app.facts,
            "quote_amount": str(app.quote_amount),
            "investments": [f"equipment {app.quote_amount}"],
        }
        yield self._event(created, "subsidy_application.create", app, changes, enterprise_user, app.enterprise_id)
        for number in range(rng.randint(0, 2)):
            yield self._event(
                created + timedelta(hours=3 + 20 * number),
                "subsidy_application.update",
                app,
                changes,
                enterprise_user,
                app.enterprise_id,
            )
        actors = {
            "submit": enterprise_user,
            "county_return": county_user,
            "county_pass": county_user,
            "city_return": city_user,
            "city_reject": city_user,
            "city_pass": city_user,
            "notice": users["dept"],
            "notice_result": users["dept"],
            "approve": users["dept_leader"],
            "not_approve": users["dept_leader"],
        }
        for when, step in history[1:]:
            before, after = STATUS_OF_STEP[step]
            if step == "city_pass" and app.recommended_amount and app.recommended_amount > THRESHOLD:
                after = A.EXPERT_REVIEW
            change = {"status": [before, after]}
            if step == "submit":
                change |= {"quote_amount": str(app.quote_amount), "stacking_with": None}
            elif step == "city_pass":
                change["recommended_amount"] = str(app.recommended_amount)
            elif step == "approve":
                change["approved_amount"] = str(app.approved_amount)
            elif step in ("county_return", "city_return", "city_reject", "not_approve"):
                change["comment"] = app.review_comment
            action = "subsidy_application." + step
            yield self._event(
                when, action, app, change, actors[step], app.enterprise_id if actors[step] is enterprise_user else None
            )
            if after == A.EXPERT_REVIEW and app.status != A.EXPERT_REVIEW:
                conclusion = {
                    "status": [A.EXPERT_REVIEW, A.CITY_PASSED],
                    "passed": True,
                    "conclusion": "专家评审通过。",
                }
                yield self._event(
                    when + timedelta(days=25), "subsidy_application.expert_review", app, conclusion, users["dept"]
                )


def login_events(seeder: SubsidySeeder, writer: AuditWriter) -> int:
    """A login before each day a person acted (and a logout after it, most days), on the user's own chain."""
    from django.contrib.auth import get_user_model

    by_user = defaultdict(list)
    for (user_id, _day), first in seeder.sessions.items():
        by_user[user_id].append(first)
    users = get_user_model().objects.in_bulk(list(by_user))
    rng = seeder.rng

    def events(user):
        for first in by_user[user.pk]:
            ip = f"10.{user.pk % 250}.{user.pk // 250 % 250}.{7 + user.pk % 200}"
            session = uuid4().hex
            yield Event(
                first - timedelta(minutes=rng.uniform(1, 15)),
                "auth.login",
                user.pk,
                user.username,
                {},
                actor_id=user.pk,
                actor_username=user.username,
                ip_address=ip,
                request_id=session,
            )
            if rng.random() < 0.6:
                yield Event(
                    first + timedelta(minutes=rng.uniform(5, 60)),
                    "auth.logout",
                    user.pk,
                    user.username,
                    {},
                    actor_id=user.pk,
                    actor_username=user.username,
                    ip_address=ip,
                    request_id=uuid4().hex,
                )

    return writer.write("auth.user", list(users.values()), events)
