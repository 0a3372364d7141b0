"""``collectstatic``, skipped when nothing it would collect has changed since the last run.

    .venv/bin/python scripts/collect_static.py                       # make serve runs this at every start
    .venv/bin/python scripts/collect_static.py --print-fingerprint   # the digest only (the deploy tests)

The fingerprint covers every file the static finders collect (path, size, modification time), the storage
backend and the compression; it is kept beside STATIC_ROOT, in ``<STATIC_ROOT>.fingerprint``.

WhiteNoise's storage precompresses every file with gzip and, when the ``brotli`` module is installed (it is,
through WeasyPrint's fonttools), with Brotli at its highest level: on two cores that takes two to three
minutes, once per release. ``STATIC_BROTLI=0`` makes gzip only (about ten seconds); browsers then get gzip.
"""

import hashlib
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if os.environ.get("STATIC_BROTLI", "1").strip().lower() in {"0", "false", "no", "off"}:
        import whitenoise.compress

        whitenoise.compress.brotli_installed = False


def fingerprint() -> str:
    import whitenoise.compress
    from django.apps import apps
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    ignore = ["CVS", ".*", "*~", *apps.get_app_config("staticfiles").ignore_patterns]
    entries = set()
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            stat = os.stat(storage.path(path))
            entries.add(f"{getattr(storage, 'prefix', None) or ''}/{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    digest = hashlib.sha256()
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    digest.update(f"{backend} brotli={whitenoise.compress.brotli_installed}\n".encode())
    for entry in sorted(entries):
        digest.update(entry.encode() + b"\n")
    return digest.hexdigest()


def main() -> int:
    setup()
    from django.conf import settings
    from django.core.management import call_command

    current = fingerprint()
    if "--print-fingerprint" in sys.argv[1:]:
        print(current)
        return 0
    root = Path(settings.STATIC_ROOT)
    stamp = root.with_name(root.name + ".fingerprint")
    if (root / "staticfiles.json").exists() and stamp.exists() and stamp.read_text().strip() == current:
        print(f"static files in {root} are up to date")
        return 0
    print(f"collecting static files into {root} (precompressing; see docs/deploy.md) ...", flush=True)
    call_command("collectstatic", "--noinput", "-v0")
    stamp.write_text(current + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
