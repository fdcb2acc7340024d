"""The app hosted for a company, headless (AppTest): text from a link or a table is shown as text, an
unexpected error is a plain message (never a traceback or a server path), and a link that cannot be
costed names the field."""

from __future__ import annotations

import base64
import json
import re
import shutil
import zlib

import pytest
from conftest import REPO, open_input_groups, shown
from streamlit.testing.v1 import AppTest

from planner import load_scenario
from planner.outputs.share import TOKEN_VERSION
from ui import views

PLANTED = "![x](http://127.0.0.1:9/x.png) [click](http://127.0.0.1:9/y) <img src=http://127.0.0.1:9/z>"
# What opens a Markdown image or link ("![", "[") or HTML ("<") when no backslash escapes it.
OPENER = re.compile(r"(?<!\\)[\[<]")


def token_for(data: dict) -> str:
    """A link's scenario token written by hand (the link format: version, then base64url of zlib'd JSON), so
    a scenario the planner would refuse can still be put in a link."""
    packed = zlib.compress(json.dumps(data).encode())
    return TOKEN_VERSION + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def start(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    open_input_groups(app)  # a closed group's inputs are not drawn; these tests reach every input
    for key, value in (query or {}).items():
        app.query_params[key] = value
    return app.run()


def markdown_bodies(app: AppTest) -> list[str]:
    """Every text the page hands to Streamlit's Markdown renderer, as it was handed over (not as shown)."""
    bodies = [e.value for kind in ("markdown", "caption", "header", "title", "warning", "error", "info", "success")
              for e in app.get(kind)]
    bodies += [e.label for e in app.expander]
    for table in app.table:
        bodies += [str(cell) for cell in table.value.to_numpy().ravel()]
    return bodies


def test_a_links_name_and_description_are_escaped_wherever_markdown_would_read_them():
    data = load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(mode="json")
    data.update(name=f"Plan {PLANTED}", description=f"About {PLANTED}")
    app = start({"s": token_for(data)})
    assert not app.exception
    assert shown(app.header[0].value) == f"Plan {PLANTED}"  # read as written
    for body in markdown_bodies(app):
        assert not OPENER.search(body), body


def test_an_unexpected_error_is_a_plain_message_and_the_inputs_stay(monkeypatch):
    def broken(estimate):
        raise RuntimeError("/srv/secret/path/app.py exploded")

    monkeypatch.setattr(views, "render_charts", broken)
    app = start()
    assert not app.exception  # no exception box, so no traceback and no server path
    errors = [shown(e.value) for e in app.error]
    assert any(e.startswith("Something went wrong on our side") for e in errors), errors
    assert not any("/srv/secret" in body for body in markdown_bodies(app))
    assert app.number_input(key="in:workload.requests_per_month").value > 0  # the sidebar was still drawn


def test_a_link_whose_head_size_would_be_zero_names_the_field():
    data = load_scenario(REPO / "examples" / "brand_voice_self_hosted.yaml").model_dump(mode="json")
    fine_tune = data["approaches"]["fine_tune"]
    fine_tune.pop("model", None)
    fine_tune["architecture"] = {"layers": 2, "hidden": 12, "heads": 119, "kv_heads": 119, "intermediate": 10,
                                 "vocab": 10}
    app = start({"s": token_for(data)})
    assert not app.exception
    errors = " ".join(shown(e.value) for e in app.error)
    assert "could not be opened" in errors and "heads" in errors, errors


@pytest.fixture
def planted_prices(tmp_path, monkeypatch):
    """A copy of the bundled tables whose OpenAI table carries Markdown in its name, a status and a source."""
    directory = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", directory)
    path = directory / "openai.yaml"
    text = path.read_text()
    text = text.replace("display_name: OpenAI", f"display_name: 'OpenAI {PLANTED}'", 1)
    path.write_text(text)
    monkeypatch.setenv("LLM_PLANNER_PRICES", str(directory))
    return directory


def test_text_from_a_price_table_is_escaped_on_the_price_view(planted_prices):
    app = start()
    app.radio(key="view").set_value("Price tables").run()
    app.selectbox(key="prices:provider").set_value("openai").run()
    assert not app.exception
    # The planted name is on the page, in the provider picker (plain text), and in no Markdown unescaped.
    assert any(PLANTED in str(option) for option in app.selectbox(key="prices:provider").options)
    bodies = markdown_bodies(app)
    for body in bodies:
        assert not OPENER.search(body), body


def test_uploads_past_the_session_cap_are_dropped_with_a_message(monkeypatch):
    from planner.measure import uploads

    monkeypatch.setattr(uploads, "MAX_SESSION_UPLOAD_BYTES", 1_000)  # the cap, made small for the test
    training = b"".join(json.dumps({"prompt": f"Question {i}?", "completion": f"Answer {i}."}).encode() + b"\n"
                        for i in range(40))
    assert len(training) > 1_000
    app = start()
    [uploader] = [u for u in app.get("file_uploader") if u.key.startswith("training_file:")]
    uploader.upload("notes.jsonl", training, "application/json").run()
    assert not app.exception
    errors = [shown(e.value) for e in app.error]
    assert errors == [f"The uploaded files were not measured: uploads of {len(training):,} bytes; a session "
                      "holds at most 1,000: remove a file first"], errors
    # The uploader was replaced by an empty one (so Streamlit lets go of the file) and nothing was measured.
    [fresh] = [u for u in app.get("file_uploader") if u.key.startswith("training_file:")]
    assert fresh.key != uploader.key
    assert not any(shown(e.label).startswith("Training file") for e in app.expander)


def test_an_upload_within_the_cap_is_measured_in_a_worker():
    training = b"".join(json.dumps({"prompt": f"Question {i}?", "completion": f"Answer {i}."}).encode() + b"\n"
                        for i in range(12))
    app = start()
    [uploader] = [u for u in app.get("file_uploader") if u.key.startswith("training_file:")]
    uploader.upload("notes.jsonl", training, "application/json").run()
    assert not app.exception and not app.error
    assert any(shown(e.label).startswith("Training file notes.jsonl: 12 examples") for e in app.expander)


def test_a_sellers_announcement_and_region_from_a_table_are_text_in_cautions_and_routes(tmp_path, monkeypatch):
    # The dates' source and a region are a table's words: they reach the cautions (why an option cannot be
    # bought) and the Hosting routes view (why a route cannot be costed), and must be shown as text.
    directory = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", directory)
    openai = directory / "openai.yaml"
    text = openai.read_text()
    assert "dates_source: 'developers.openai.com" in text
    openai.write_text(text.replace("dates_source: 'developers.openai.com", f"dates_source: '{PLANTED} developers",))
    aws = directory / "aws.yaml"
    aws.write_text(aws.read_text().replace("      region: us-east-1\n", f"      region: '{PLANTED[:58]}'\n", 1))
    monkeypatch.setenv("LLM_PLANNER_PRICES", str(directory))
    data = load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(mode="json")
    data["approaches"]["fine_tune"]["model"] = "openai/gpt-4.1-mini"
    data["project"]["data_residency"] = "anywhere"
    app = start({"s": token_for(data)})
    assert not app.exception
    bodies = markdown_bodies(app)
    assert any("127.0.0.1:9/x.png" in shown(body) for body in bodies)  # the planted announcement, in the cautions
    for body in bodies:
        assert not OPENER.search(body), body
    app.radio(key="view").set_value("Hosting routes").run()
    assert not app.exception
    bodies = markdown_bodies(app)
    assert any("127.0.0.1:9/x.png" in shown(body) for body in bodies)  # in the routes' reasons
    for body in bodies:
        assert not OPENER.search(body), body
    # Where data must stay: the region a table gives is named in our error, as text.
    data["project"]["data_residency"] = "uk"
    data["approaches"]["fine_tune"]["model"] = "aws/nova-micro"
    app = start({"s": token_for(data)})
    assert not app.exception
    bodies = markdown_bodies(app)
    assert any("127.0.0.1:9/x.png" in shown(body) and "cannot place" in shown(body) for body in bodies), bodies
    for body in bodies:
        assert not OPENER.search(body), body
