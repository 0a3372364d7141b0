# The two commands: `make run` (start with demo data) and `make test` (every check and test).
SHELL := /bin/bash
PY := .venv/bin/python
DEV_ENV := DEBUG=1
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zhigai

.PHONY: run setup test test-setup lint check pytest messages serve bench clean

setup:
	./scripts/bootstrap.sh

run: setup
	$(DEV_ENV) $(PY) manage.py compilemessages -v0 --ignore=.venv
	$(DEV_ENV) $(PY) manage.py migrate --noinput -v0
	$(DEV_ENV) $(PY) manage.py load_demo
	@echo ""
	@echo "==> 智改数转管理平台: http://127.0.0.1:8000/  (Ctrl+C to stop)"
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# The production processes in the foreground (gunicorn, Celery worker and beat; PostgreSQL and Redis): docs/deploy.md.
serve: setup
	./scripts/serve.sh

test-setup:
	WITH_DEV=1 ./scripts/bootstrap.sh --browser

test: test-setup
	DATABASE_URL=$(TEST_DATABASE_URL) ./scripts/test.sh

bench: test-setup
	./bench/run.sh
	@# The attack suite's fuzzing with five times the examples of make test, randomised (docs/security.md).
	DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) FUZZ_EXAMPLES=1000 FUZZ_SEED=1 $(PY) -m pytest -q tests/security/test_fuzz_forms.py tests/security/test_uploads.py

messages:
	$(DEV_ENV) $(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/ .pytest_cache tests/e2e/artifacts
