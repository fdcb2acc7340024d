"""The container that hosts the app for a team, checked without Docker: the Dockerfile read as text
(base image, the lock installed with hashes, the README's start command, a user other than root, the
health check, the volume), the build context the .dockerignore lets through, and the entrypoint's
seeding of the volume run with bash in a temporary directory."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
ENTRYPOINT = REPO / "scripts" / "container-start.sh"
# What the app reads at run time: the script, its packages, the bundled tables and examples, and
# Streamlit's settings.
APP_NEEDS = {"app.py", "planner", "ui", "pricing", "examples", ".streamlit"}


def instructions() -> list[tuple[str, str]]:
    """[(INSTRUCTION, arguments)] in order, continuation lines joined and comments left out."""
    result: list[tuple[str, str]] = []
    current = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        keyword, _, arguments = (current + line).partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        current = ""
    assert not current, "the Dockerfile ends in a continuation line"
    return result


def only(keyword: str) -> tuple[int, str]:
    found = [(i, arguments) for i, (k, arguments) in enumerate(instructions()) if k == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


def exec_form(arguments: str) -> list[str]:
    command = json.loads(arguments)
    assert isinstance(command, list) and all(isinstance(a, str) for a in command), arguments
    return command


def env() -> dict[str, str]:
    values: dict[str, str] = {}
    for keyword, arguments in instructions():
        if keyword == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                values[name] = value
    return values


def copies() -> list[tuple[int, list[str], str]]:
    """[(index, sources, destination)] of every COPY."""
    result = []
    for i, (keyword, arguments) in enumerate(instructions()):
        if keyword == "COPY":
            parts = [p for p in shlex.split(arguments) if not p.startswith("--")]
            result.append((i, parts[:-1], parts[-1]))
    return result


def readme_start_command() -> list[str]:
    """The README's first command, found by the grep CI uses for the second, then its start half."""
    line = subprocess.run(["bash", "-c", r"grep -A1 '^# 1\. install' README.md | tail -1"], cwd=REPO,
                          capture_output=True, text=True, check=True).stdout.strip()
    starts = [part.strip() for part in line.split("&&") if "streamlit run" in part]
    assert len(starts) == 1, line
    return shlex.split(starts[0])


def test_the_base_image_is_slim_python_3_11():
    assert [a for k, a in instructions() if k == "FROM"] == ["python:3.11-slim"]


def test_it_installs_the_lock_with_hashes_the_set_the_readmes_first_command_installs():
    steps = instructions()
    installs = [(i, shlex.split(a)) for i, (k, a) in enumerate(steps) if k == "RUN" and "pip install" in a]
    assert len(installs) == 1, installs
    index, words = installs[0]
    assert {"--require-hashes", "--no-cache-dir"} <= set(words)
    assert words[words.index("-r") + 1] == "requirements.lock"
    # The lock is in the image before it is installed.
    assert any(i < index and "requirements.lock" in sources for i, sources, _ in copies())
    # The README's first command installs requirements.txt, which is the lock and nothing else.
    first = subprocess.run(["bash", "-c", r"grep -A1 '^# 1\. install' README.md | tail -1"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout
    assert "pip install -r requirements.txt" in first
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and not line.startswith("#")] == ["-r requirements.lock"]


def test_the_start_command_is_the_readmes_with_a_containers_server_flags():
    assert readme_start_command() == ["python", "-m", "streamlit", "run", "app.py"]
    _, arguments = only("CMD")
    command = exec_form(arguments)
    readme = readme_start_command()
    assert command[:len(readme)] == readme
    flags = command[len(readme):]
    assert dict(zip(flags[::2], flags[1::2], strict=True)) == {
        "--server.address": "0.0.0.0", "--server.port": "8501", "--server.headless": "true"}
    assert only("EXPOSE")[1] == "8501"
    # The start command runs where app.py and .streamlit/config.toml were copied.
    workdir = only("WORKDIR")[1]
    assert any(sources == ["app.py"] and dest in ("./", ".", workdir, workdir + "/") for _, sources, dest in copies())


def test_it_runs_as_a_user_other_than_root():
    steps = instructions()
    cmd_index, _ = only("CMD")
    users = [(i, a) for i, (k, a) in enumerate(steps) if k == "USER"]
    assert users, "no USER: the app would run as root"
    index, user = users[-1]
    assert index < cmd_index
    assert user.split(":")[0] not in ("root", "0"), user
    # The user is made in the image.
    assert any(k == "RUN" and re.search(rf"useradd\b.*\b{re.escape(user.split(':')[0])}\b", a)
               for k, a in steps[:index])


@pytest.mark.parametrize("base_path", ["", "planner", "/tools/planner/"])
def test_the_health_check_asks_streamlits_health_endpoint(monkeypatch, base_path):
    _, arguments = only("HEALTHCHECK")
    options, _, command = arguments.partition("CMD ")
    assert "--interval" in options and "--timeout" in options
    command = exec_form(command)
    assert command[:2] == ["python", "-c"], "slim has no curl: the check runs Python"
    asked = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: asked.append((url, timeout)))
    if base_path:
        monkeypatch.setenv("STREAMLIT_SERVER_BASE_URL_PATH", base_path)
    else:
        monkeypatch.delenv("STREAMLIT_SERVER_BASE_URL_PATH", raising=False)
    exec(command[2], {})
    prefix = "/" + base_path.strip("/") if base_path else ""
    assert asked == [(f"http://127.0.0.1:8501{prefix}/_stcore/health", 4)]


def test_the_price_tables_live_on_a_volume():
    steps = instructions()
    volume_index, arguments = only("VOLUME")
    volumes = exec_form(arguments) if arguments.startswith("[") else arguments.split()
    prices = env()["LLM_PLANNER_PRICES"]
    assert any(Path(prices).is_relative_to(v) for v in volumes), (prices, volumes)
    # The app reads the tables from there (and writes .history/ and .lock beside them).
    assert 'PRICES_ENV = "LLM_PLANNER_PRICES"' in (REPO / "app.py").read_text()
    # The mount point is made and given to the app's user before VOLUME (later changes are lost).
    user = only("USER")[1].split(":")[0]
    assert any(k == "RUN" and f"chown {user}:{user} {v}" in a for k, a in steps[:volume_index] for v in volumes)
    # The bundled tables stay in the image, where the entrypoint seeds the volume from.
    bundled = env()["LLM_PLANNER_BUNDLED"]
    workdir = only("WORKDIR")[1]
    assert any(sources == ["pricing/"] and str(Path(workdir, dest)) == bundled for _, sources, dest in copies())


def test_every_copied_path_exists_and_the_app_gets_what_it_needs():
    copied = {source.rstrip("/") for _, sources, _ in copies() for source in sources}
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: no such path in the repository"
        assert not ignored(source), f"COPY {source}: left out of the build by .dockerignore"
    assert copied >= APP_NEEDS
    assert "tests" not in copied and "." not in copied


def dockerignore_rules() -> list[tuple[re.Pattern[str], bool]]:
    """(pattern, is an exception) for each line, in order, with Docker's syntax for * ? and **."""
    rules = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = line.removeprefix("!").strip().strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((re.compile(regex), exception))
    return rules


def ignored(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or a folder it is in decides."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    result = False
    for regex, exception in dockerignore_rules():
        if any(regex.fullmatch(c) for c in candidates):
            result = not exception
    return result


@pytest.mark.parametrize("path", [
    ".git", ".git/config", ".venv", ".venv/bin/python", "venv/lib/x.py", "tests", "tests/test_container.py",
    "pricing/.history", "pricing/.history/openai/20261123T041500123456-bundled-1a2b3c4d.yaml", "pricing/.lock",
    "planner/__pycache__/cli.cpython-311.pyc", "ui/views.pyc", "docs/screenshots/comparison.png", ".ci/run",
    ".env", "my-scenario.yaml", "out/lines.csv", ".streamlit/secrets.toml",
])
def test_the_dockerignore_keeps_out_what_the_image_must_not_hold(path):
    assert ignored(path), path


@pytest.mark.parametrize("path", [
    "app.py", "requirements.lock", "planner/cli.py", "planner/measure/encodings/README.md", "ui/views.py",
    "pricing/openai.yaml", "examples/support_assistant.yaml", ".streamlit/config.toml",
    "scripts/container-start.sh",
])
def test_the_dockerignore_lets_the_app_through(path):
    assert (REPO / path).exists(), path
    assert not ignored(path), path


# The entrypoint, run with bash: seeds an empty volume, leaves a used one alone, then runs the command.

def test_the_entrypoint_is_the_script_and_it_parses():
    assert exec_form(only("ENTRYPOINT")[1]) == ["bash", "/app/scripts/container-start.sh"]
    assert only("WORKDIR")[1] == "/app"
    assert any(sources == ["scripts/container-start.sh"] for _, sources, _ in copies())
    subprocess.run(["bash", "-n", str(ENTRYPOINT)], check=True)


@pytest.fixture
def bundled(tmp_path) -> Path:
    tables = tmp_path / "image" / "pricing"
    tables.mkdir(parents=True)
    (tables / "openai.yaml").write_text("provider: openai\n")
    (tables / "fx.yaml").write_text("rates: {}\n")
    return tables


def start(prices: Path, bundled: Path, *command: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LLM_PLANNER_PRICES": str(prices), "LLM_PLANNER_BUNDLED": str(bundled),
                   "LLM_PLANNER_DRY_RUN": "1"}
    return subprocess.run(["bash", str(ENTRYPOINT), *command], env=environment, capture_output=True, text=True)


def contents(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text() if p.is_file() else "<dir>"
            for p in sorted(directory.rglob("*"))}


@pytest.mark.parametrize("made", [False, True], ids=["missing", "empty directory"])
def test_the_first_start_copies_the_bundled_tables_into_the_volume(tmp_path, bundled, made):
    volume = tmp_path / "data"
    volume.mkdir()
    prices = volume / "pricing"
    if made:
        prices.mkdir()
    command = exec_form(only("CMD")[1])
    done = start(prices, bundled, *command)
    assert done.returncode == 0, done.stderr
    assert contents(prices) == contents(bundled) == {"fx.yaml": "rates: {}\n", "openai.yaml": "provider: openai\n"}
    assert sorted(p.name for p in volume.iterdir()) == ["pricing"]  # nothing half-copied left beside it
    assert "copied the bundled price tables" in done.stderr
    # Then it runs the image's command, argument for argument (printed here instead).
    assert done.stdout.splitlines() == command


@pytest.mark.parametrize("state", [
    {"openai.yaml": "provider: openai  # edited by the team\n"},
    {"openai.yaml": "provider: openai\n", ".history/openai/20261123T041500123456-bundled-1a2b3c4d.yaml": "old\n"},
    {".lock": ""},
], ids=["an edited table", "tables and history", "only a lock"])
def test_a_volume_that_holds_anything_is_left_as_it_is(tmp_path, bundled, state):
    prices = tmp_path / "data" / "pricing"
    for name, text in state.items():
        (prices / name).parent.mkdir(parents=True, exist_ok=True)
        (prices / name).write_text(text)
    before = contents(prices)
    done = start(prices, bundled, "python", "-m", "streamlit", "run", "app.py")
    assert done.returncode == 0, done.stderr
    assert contents(prices) == before
    assert "copied" not in done.stderr
    assert done.stdout.splitlines() == ["python", "-m", "streamlit", "run", "app.py"]


def test_the_entrypoint_refuses_to_start_without_tables_or_a_command(tmp_path, bundled):
    prices = tmp_path / "data" / "pricing"
    nothing = start(prices, tmp_path / "no-such-directory", "python", "-m", "streamlit", "run", "app.py")
    assert nothing.returncode == 1 and "no bundled price tables" in nothing.stderr
    assert not prices.exists()
    no_command = start(prices, bundled)
    assert no_command.returncode == 2 and "no command" in no_command.stderr


def test_the_readmes_hosting_section_builds_and_runs_this_image():
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Hosting it for a team\n")[1].split("\n## ")[0]
    headings = re.findall(r"^## .+$", readme, re.MULTILINE)
    at = headings.index("## Hosting it for a team")
    assert headings[at - 1:at + 2] == ["## Set-up: two commands", "## Hosting it for a team", "## The app"]
    assert "docker build -t llm-planner ." in section
    run = next(line for line in section.splitlines() if line.startswith("docker run "))
    words = shlex.split(run)
    volume = exec_form(only("VOLUME")[1])[0]
    port = only("EXPOSE")[1]
    assert words[words.index("-p") + 1] == f"{port}:{port}"
    assert words[words.index("-v") + 1].endswith(f":{volume}")
    assert words[-1] == "llm-planner"
    assert env()["LLM_PLANNER_PRICES"] in section and "/_stcore/health" in section
    assert "### Who may change prices\n\nTwo roles." in section


def test_the_saved_budgets_live_on_the_volume_beside_the_tables():
    """On the volume, so they survive a new image; not among the tables, so that emptying the price
    directory to start over from the image's tables (README) keeps them."""
    _, arguments = only("VOLUME")
    volumes = exec_form(arguments) if arguments.startswith("[") else arguments.split()
    database = Path(env()["LLM_PLANNER_DB"])
    assert any(database.is_relative_to(v) for v in volumes), (database, volumes)
    assert not database.is_relative_to(env()["LLM_PLANNER_PRICES"])
    from planner.budgets import DB_ENV

    assert DB_ENV == "LLM_PLANNER_DB"
