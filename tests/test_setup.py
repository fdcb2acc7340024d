"""What a fresh machine gets: the declared dependencies, locked with hashes, installed by the
README's commands, which CI runs verbatim; and provenance a user of this repository can follow."""

from __future__ import annotations

import re
import subprocess
import tomllib

import yaml
from conftest import REPO
from packaging.requirements import Requirement
from packaging.version import Version

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;]+)(?:\s*;\s*(.+?))?\s*\\?$")


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def locked() -> dict[str, list[tuple[Version, str | None]]]:
    """{normalised name: [(version, environment marker or None)]} from requirements.lock."""
    pins: dict[str, list[tuple[Version, str | None]]] = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            name = re.sub(r"[-_.]+", "-", match[1]).lower()
            pins.setdefault(name, []).append((Version(match[2]), match[3]))
    return pins


def test_requirements_txt_installs_the_lock():
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and not line.startswith("#")] == ["-r requirements.lock"]


def test_every_declared_dependency_is_locked_to_a_version_it_allows():
    pins = locked()
    for requirement in declared():
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{requirement.name} is declared in pyproject.toml but not in requirements.lock"
        for version, _marker in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (requirement, version)


def test_every_locked_package_is_pinned_with_hashes():
    text = (REPO / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])  # after the two header lines
    packages = [e for e in entries if not e.startswith("#")]
    assert len(packages) >= 40  # streamlit alone brings about 30
    for entry in packages:
        assert PIN.match(entry.splitlines()[0]), entry.splitlines()[0]
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_ci_runs_the_readmes_test_command_in_a_new_virtual_environment():
    readme = (REPO / "README.md").read_text()
    command = readme.split("# 2. run the tests")[1].splitlines()[1].strip()
    assert "requirements.txt" in command and "pytest" in command
    ci = (REPO / ".ci" / "run").read_text()
    extract = re.search(r'test_command="\$\((.+)\)"', ci)[1]
    extracted = subprocess.run(["bash", "-c", extract], cwd=REPO, capture_output=True, text=True, check=True)
    assert extracted.stdout.strip() == command
    assert "python3 -m venv" in ci and "mktemp -d" in ci and 'source "$venv/bin/activate"' in ci


def _strings(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))
    elif isinstance(node, str):
        yield path, node


def test_no_price_or_assumption_cites_a_file_outside_the_repository():
    outside = re.compile(r"figures\.md|formulas\.md|shared/|\.\./|(^|\s)\./")
    cited = 0
    for table in sorted((REPO / "pricing").glob("*.yaml")):
        for path, text in _strings(yaml.safe_load(table.read_text())):
            if path and path[-1] in ("source", "status", "note"):
                cited += path[-1] == "source"
                assert not outside.search(text), f"{table.name}: {'.'.join(map(str, path))}: {text}"
    assert cited > 100  # every price and assumption has a source
