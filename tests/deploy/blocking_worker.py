"""The project's Celery app, for test_faults: ``celery -A tests.deploy.blocking_worker worker``.

Every PDF render announces itself in Redis (the list ``RENDERS``: the pid of the process rendering) and,
with ``DEPLOY_TEST_BLOCK_RENDER=1``, then waits on a Redis key that never comes: the task stays mid-render,
inside its transaction with the version row locked, until the test kills the process. Nothing else differs
from ``celery -A config worker``."""

import os

import redis
from celery.signals import task_prerun, worker_init

from config.celery import app

__all__ = ["app"]
RENDERS = "zhigai-deploy-test:renders"
NEVER = "zhigai-deploy-test:never"


def announcing_render(original):
    def render_pdf(template_name, context):
        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        client.rpush(RENDERS, os.getpid())
        if os.environ.get("DEPLOY_TEST_BLOCK_RENDER") == "1":
            client.blpop([NEVER])  # blocks until the process is killed
        return original(template_name, context)

    render_pdf.announcing = True
    return render_pdf


@worker_init.connect
def _in_the_worker_only(**kwargs):
    # Only a worker started with this app renders this way: pytest imports the module too (for RENDERS), and
    # its eager tasks must keep the real render.
    task_prerun.connect(_patch_render, weak=False)


def _patch_render(**kwargs):
    # Patched once Django is set up (the task modules import their models); pilots.pdf imported the function.
    import pilots.pdf

    if not getattr(pilots.pdf.render_pdf, "announcing", False):
        pilots.pdf.render_pdf = announcing_render(pilots.pdf.render_pdf)
