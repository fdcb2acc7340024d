#!/usr/bin/env bash
# The container's entrypoint (see Dockerfile): on first start, copy the price tables that ship in
# the image into the volume; then run the command, by default the README's start command with a
# container's server flags.
#
#   LLM_PLANNER_PRICES   the price directory the app reads and saves to (in the image: /data/pricing)
#   LLM_PLANNER_BUNDLED  the tables that ship in the image (/app/pricing)
#   LLM_PLANNER_DRY_RUN  1: print the command, one argument a line, instead of running it (the tests)
#
# The tables are copied only into a price directory that is missing or empty. One that holds
# anything at all (tables, .history/, .lock) is the team's and is left exactly as it is: a new
# image never overwrites prices edited in the app.
set -euo pipefail

prices="${LLM_PLANNER_PRICES:?LLM_PLANNER_PRICES must name the price directory}"
bundled="${LLM_PLANNER_BUNDLED:-/app/pricing}"

if [ "$#" -eq 0 ]; then
    echo "container-start: no command to run" >&2
    exit 2
fi

if [ -z "$(ls -A "$prices" 2>/dev/null)" ]; then
    if [ ! -d "$bundled" ] || [ -z "$(ls -A "$bundled")" ]; then
        echo "container-start: no bundled price tables in $bundled" >&2
        exit 1
    fi
    if [ -d "$prices" ]; then
        # An empty directory, perhaps a mount point of its own: copy into it.
        cp -R "$bundled"/. "$prices"/
    else
        # Copy beside it, then rename: a start stopped half-way leaves no half-filled directory.
        parent="$(dirname "$prices")"
        mkdir -p "$parent"
        rm -rf "$parent"/.pricing-seed.*  # left by a start stopped half-way
        staging="$(mktemp -d "$parent/.pricing-seed.XXXXXX")"
        chmod 755 "$staging"
        cp -R "$bundled"/. "$staging"/
        mv "$staging" "$prices"
    fi
    echo "container-start: copied the bundled price tables from $bundled to $prices" >&2
fi

if [ "${LLM_PLANNER_DRY_RUN:-}" = 1 ]; then
    printf '%s\n' "$@"
    exit 0
fi
exec "$@"
