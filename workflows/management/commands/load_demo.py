from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, load_demo_accounts
from applications.demo import load_demo_policies, load_demo_round
from evaluation.demo import load_demo_experts
from workflows.demo import load_demo_history, load_demo_pilots
from workflows.demo_aftercare import load_demo_aftercare


class Command(BaseCommand):
    help = "Load the demo organisations, users and cases. Idempotent: running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, quiet=False, **options):
        accounts = load_demo_accounts() + load_demo_experts()
        load_demo_pilots()
        load_demo_history()
        load_demo_aftercare()
        load_demo_policies()
        load_demo_round()
        if quiet:
            return
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, organisation in accounts:
            self.stdout.write(f"  {username:<20} {role:<16} {organisation}")
