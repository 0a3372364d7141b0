"""The HTTP load: 50 concurrent users, each signed in as one role (weighted as the portal is used: many
enterprises and county bureaus, fewer Department and Finance staff), each going through that role's usual
pages (inbox, lists, details, dashboards) with a short pause between pages. The sessions and addresses come
from BENCH_LOAD_PLAN (a JSON file written by bench.http_load)."""

import json
import os
import random

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
ROLES = list(PLAN["roles"])
WEIGHTS = [PLAN["roles"][role]["weight"] for role in ROLES]


class PortalUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.role = random.choices(ROLES, weights=WEIGHTS)[0]
        plan = PLAN["roles"][self.role]
        self.pages = plan["pages"]
        cookies = plan["sessions"].pop() if len(plan["sessions"]) > 1 else plan["sessions"][0]
        for name, value in cookies.items():
            self.client.cookies.set(name, value)

    @task
    def page(self):
        address = random.choice(self.pages)
        name = f"{self.role} {address['name']}"
        with self.client.get(address["url"], name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
