# Licheng — two commands: `make run` (the product, embedded) and `make test` (everything).
SHELL := /bin/bash
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint types check-migrations messages lock clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

types:
	$(PY) -m mypy .

check-migrations:
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

messages:
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

# Re-pin the dependencies (no registry host names end up in the files).
lock:
	.venv/bin/uv pip compile pyproject.toml --python $(PY) -q --custom-compile-command "make lock" -o requirements.txt
	.venv/bin/uv pip compile pyproject.toml --group dev --python $(PY) -q --custom-compile-command "make lock" -o requirements-dev.txt

clean:
	rm -rf var .venv
