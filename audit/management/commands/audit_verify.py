import time

from django.core.management.base import BaseCommand, CommandError

from audit.verify import verify_chains


class Command(BaseCommand):
    help = "Verify every audit hash chain; report the first broken link of each chain."

    def add_arguments(self, parser):
        parser.add_argument("--chain", action="append", dest="chains", help="verify only this chain (repeatable)")

    def handle(self, *args, chains=None, **options):
        started = time.monotonic()
        result = verify_chains(chain_names=chains)
        elapsed = time.monotonic() - started
        for link in result.broken:
            self.stderr.write(f"BROKEN {link}")
        summary = f"{result.chains} chains, {result.events} events verified in {elapsed:.1f}s"
        if not result.ok:
            raise CommandError(f"audit chain broken: {len(result.broken)} chain(s) fail; {summary}")
        self.stdout.write(f"OK: {summary}")
