"""Write the test fixture tests/fixtures/litellm_prices.json: the entries of LiteLLM's real price map
that the bundled tables import from, plus the extra keys named on the command line, values unchanged.

    python scripts/trim_litellm_map.py litellm-X.Y.Z-...whl KEY [KEY ...]

Run it after refreshing the bundled tables from a newer map, so that the tests check the tables
against the map they were imported from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.inputs.pricebook import load_price_book  # noqa: E402
from planner.price_admin.litellm_import import _find, load_price_map  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "litellm_prices.json"
# The litellm version the fixture (and so the bundled tables) came from: the tests read it from here.
VERSION = REPO / "tests" / "fixtures" / "litellm_version.txt"


def main(argv: list[str]) -> int:
    """Trim the map in ``argv[0]`` to the entries the bundled tables use and the keys after it."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    price_map = load_price_map(argv[0])
    models = price_map.models
    keep: list[str] = []
    for table in load_price_book(REPO / "pricing").tables.values():
        provider = table.litellm_provider
        if provider is None:
            continue
        for section, mode in (("models", "chat"), ("embeddings", "embedding")):
            for offering_id, offering in getattr(table, section).items():
                found = _find(models, provider, offering_id, offering.litellm_id, mode)
                if found is not None:
                    keep.append(found[0])
                tuned = getattr(offering, "fine_tuning", None)
                if tuned is not None and tuned.litellm_id in models:
                    keep.append(tuned.litellm_id)
    missing = [key for key in argv[1:] if key not in models]
    if missing:
        print(f"not in the map: {', '.join(missing)}", file=sys.stderr)
        return 1
    trimmed = {key: models[key] for key in dict.fromkeys(keep + argv[1:])}
    FIXTURE.write_text(json.dumps(trimmed, indent=2, sort_keys=True) + "\n")
    VERSION.write_text(f"{price_map.version}\n")
    print(f"wrote {len(trimmed)} entries of {len(models)} (litellm {price_map.version}) to {FIXTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
