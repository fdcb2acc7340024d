#!/usr/bin/env bash
# Refresh the bundled price tables from LiteLLM's price map in the newest litellm release on PyPI (or the
# version given), and the test fixture and pinned version from the same wheel. Run it monthly and before a
# budgeting session (README: Keeping prices current); then read the diff before committing it.
#
#   bash scripts/refresh_prices.sh            # the newest release
#   bash scripts/refresh_prices.sh 1.110.2    # a given release
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python -m pip download --no-deps --quiet --dest "$tmp" "litellm${1:+==$1}"
wheel=$(ls "$tmp"/litellm-*.whl)
python -m planner prices import-litellm "$wheel" --apply --author "${USER:-price refresh}"
# The entries the bundled tables import, plus the keys the import tests add or refuse.
python scripts/trim_litellm_map.py "$wheel" 'anthropic.claude-opus-4-1-20250805-v1:0' claude-sonnet-5 \
    voyage/voyage-3.5 gpt-5.4-pro
cat <<'NEXT'
Next: read `git diff pricing/ tests/fixtures/`; re-record the golden outputs with
`python -m tests.golden_outputs` after reading their diff; update "Bundled prices" in the README;
run the tests.
NEXT
