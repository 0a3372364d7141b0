"""Seed a deploy-test database, in a subprocess (``python -m tests.deploy.seed --plans 4 --submit 1``) with
DATABASE_URL pointing at it.

One open call and ``--plans`` plans of as many league/cities, each started through the flow, filled and
co-signed (tests/workflows/helpers.ready_flow_plan): ready to submit. ``--submit k`` submits the first k
through the flow here (their PDFs are rendered inline, or queued when REDIS_URL is set). Prints one line of
JSON: the password, the login URL and, per plan, its id, its applicant's username and its URLs.

The applicants get a real PBKDF2 hash of the password (the web processes check it at login); the other users
a fast one, since nobody logs in as them."""

import argparse
import json
import os

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, required=True)
    parser.add_argument("--submit", type=int, default=0)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
    from django.urls import reverse

    from tests.factories import PASSWORD
    from tests.pilots.factories import PilotCallFactory, applicant_of
    from tests.workflows.helpers import ready_flow_plan
    from workflows import services as flow

    login_hash = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    call = PilotCallFactory()
    plans = []
    for number in range(arguments.plans):
        plan = ready_flow_plan(call=call, enterprises=3)
        applicant = applicant_of(plan)
        applicant.password = login_hash
        applicant.save(update_fields=["password"])
        if number < arguments.submit:
            flow.plan_submit(actor=applicant, plan=plan)
        plans.append(
            {
                "id": plan.pk,
                "username": applicant.get_username(),
                "region": plan.region.name,
                "submit_url": reverse("workflows:plan_submit", kwargs={"plan_pk": plan.pk}),
                "detail_url": reverse("pilots:plan_detail", kwargs={"pk": plan.pk}),
            }
        )
    print(json.dumps({"password": PASSWORD, "login_url": reverse("login"), "call": call.pk, "plans": plans}))


if __name__ == "__main__":
    main()
