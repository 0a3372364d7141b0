"""The project's settings plus the ``bench`` app (its commands) and the baseline pages (``bench.urls``:
viewflow's stock queue of the same flow). ``DJANGO_SETTINGS_MODULE=bench.settings``, as ``make bench`` sets."""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
