#!/usr/bin/env bash
# Run the lint and the tests against the newest releases that pyproject.toml allows, in a new
# virtual environment, ignoring requirements.lock. Run it before raising the lock (UPGRADE=1
# bash scripts/lock.sh), and every month or so to hear early when a new release breaks us.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
mapfile -t requirements < <(python - <<'PY'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
    print(requirement)
PY
)
python -m pip install -q --upgrade pip
python -m pip install -q --upgrade "${requirements[@]}"
python -m pip list --format=freeze | grep -iE '^(streamlit|pandas|plotly|pydantic|numpy|pytest|hypothesis|playwright)=='
bash scripts/ensure-chromium.sh
python -m ruff check .
lint-imports
python -m pytest "$@"
