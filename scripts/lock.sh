#!/usr/bin/env bash
# Remake requirements.lock from the dependencies declared in pyproject.toml.
# Run after changing a dependency in pyproject.toml, or to raise the locked versions (run
# scripts/check-latest.sh first: it tests the newest versions the declarations allow).
# Needs uv (`python -m pip install uv`); users and CI only need pip to install the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes \
  --custom-compile-command "bash scripts/lock.sh" ${UPGRADE:+--upgrade} -o requirements.lock
