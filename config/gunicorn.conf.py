"""gunicorn's settings, read from the environment: ``gunicorn -c config/gunicorn.conf.py config.wsgi``
(``make serve`` and docs/deploy.md use it; the deploy tests start their web processes with it).

Sized by default for two cores shared with the Celery worker and PostgreSQL: PDFs and e-mail run in the
worker, so a request mostly waits for the database. Two processes use both cores for the CPU part (templates,
Excel, password hashing at login); four threads each keep eight requests in flight while others wait on I/O.
Rule of thumb on bigger machines: WEB_CONCURRENCY = number of cores, WEB_THREADS = 4.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")  # behind the TLS proxy on the same machine
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))  # a worker silent this long is killed and replaced
graceful_timeout = 30  # on SIGTERM (Ctrl+C in make serve) running requests get this long to finish
keepalive = 5
# Replace each process after about a thousand requests, so that slow leaks never add up.
max_requests = 1000
max_requests_jitter = 100
# The proxy on this machine says whether the client came by HTTPS (X-Forwarded-Proto); nobody else may.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket (gunicornc): signals manage the processes, and instances on one machine would share its path.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The request id is the one in the audit log (audit.middleware), so a log line leads to its events.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s'
