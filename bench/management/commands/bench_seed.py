import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.seed import Scale, seed, seeded_scale


class Command(BaseCommand):
    help = "Load the benchmark data set (issue 7) into an empty, migrated PostgreSQL database, in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = the full set; 0.01 = the test set")
        parser.add_argument(
            "--status", action="store_true", help="print the scale already seeded here (none: nothing) and stop"
        )
        parser.add_argument(
            "--seed", dest="seed_value", type=int, default=7, help="random seed (the same seed gives the same data)"
        )

    def handle(self, *args, scale, seed_value, status=False, **options):
        if status:
            self.stdout.write(str(seeded_scale()))
            return
        if connection.vendor != "postgresql":
            raise CommandError("bench_seed needs PostgreSQL (DATABASE_URL=postgres://…)")
        if scale <= 0:
            raise CommandError("--scale must be positive")
        self.stdout.write(f"seeding scale {scale} into {connection.settings_dict['NAME']} …")
        try:
            result = seed(Scale.of(scale), seed_value=seed_value, log=self.stdout.write)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
        results = Path(settings.BASE_DIR) / "bench" / "results"
        results.mkdir(exist_ok=True)
        (results / f"seed-{connection.settings_dict['NAME']}.json").write_text(json.dumps(result, indent=1))
