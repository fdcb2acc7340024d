"""Who may change the shared price tables: viewers estimate and try edits; price admins save, upload,
import, restore and reset. The modes come from the secrets, the environment, the login and the proxy."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO, shown
from streamlit.testing.v1 import AppTest

from planner.budgets.store import Actor
from planner.price_admin.store import read_table, save_table
from ui.access import Access, resolve

ADMIN = "ana@example.com"
LOGIN = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
         "client_id": "planner", "client_secret": "not-a-real-secret",
         "server_metadata_url": "https://login.example.com/.well-known/openid-configuration"}

# --- the rule, from plain data --------------------------------------------------------------------------


def test_a_laptop_without_login_is_its_own_price_admin_but_a_network_server_is_read_only():
    assert resolve({}, {}, False, None, {}, "localhost") == Access("local", "local", True)
    assert resolve({}, {}, False, None, {}, "::1").price_admin
    for address in (None, "", "0.0.0.0", "192.0.2.10", "planner.example.com"):
        assert resolve({}, {}, False, None, {}, address) == Access("network", None, False), address


def test_read_only_wins_over_every_other_setting():
    for settings, env in (({"read_only": True}, {}), ({}, {"LLM_PLANNER_READ_ONLY": "1"}),
                          ({"read_only": "yes"}, {}), ({}, {"LLM_PLANNER_READ_ONLY": "true"})):
        who = resolve({**settings, "admins": [ADMIN]}, env, True, {"is_logged_in": True, "email": ADMIN}, {},
                      "127.0.0.1")
        assert who.mode == "read_only" and not who.price_admin, (settings, env)
    assert resolve({"read_only": False}, {"LLM_PLANNER_READ_ONLY": "0"}, False, None, {}, "127.0.0.1").price_admin


def test_login_admins_by_address_or_by_group_claim():
    settings = {"admins": ["Ana@Example.com"], "admin_groups": ["pricing"], "groups_claim": "roles"}
    assert resolve(settings, {}, True, {"is_logged_in": False}, {}, None) == Access("login", None, False, True)
    assert resolve(settings, {}, True, None, {}, None).needs_login
    ana = resolve(settings, {}, True, {"is_logged_in": True, "email": "ana@example.com"}, {}, None)
    assert ana == Access("login", "ana@example.com", True)
    bo = {"is_logged_in": True, "email": "bo@example.com"}
    assert not resolve(settings, {}, True, bo, {}, None).price_admin
    assert resolve(settings, {}, True, {**bo, "roles": ["staff", "pricing"]}, {}, None).price_admin
    # the group must be in the claim the settings name, not in any claim
    assert not resolve(settings, {}, True, {**bo, "groups": ["pricing"]}, {}, None).price_admin


def test_proxy_identity_comes_from_the_configured_header_only():
    settings = {"user_header": "X-Forwarded-Email", "groups_header": "X-Forwarded-Groups", "admins": [ADMIN]}
    who = resolve(settings, {}, False, None, {"X-FORWARDED-EMAIL": ADMIN}, "0.0.0.0")
    assert who == Access("proxy", ADMIN, True)
    grouped = resolve({**settings, "admin_groups": ["pricing"]}, {}, False, None,
                      {"x-forwarded-email": "bo@example.com", "x-forwarded-groups": "staff,pricing"}, "0.0.0.0")
    assert grouped.price_admin and grouped.user == "bo@example.com"
    # no header from the proxy: nobody, and no rights, even on a loopback address
    assert resolve(settings, {}, False, None, {}, "127.0.0.1") == Access("proxy", None, False)
    # a header the settings do not name is not trusted
    assert resolve({}, {}, False, None, {"X-Forwarded-Email": ADMIN}, "0.0.0.0").mode == "network"


def test_budget_approvers_by_address_or_group_claim_and_every_price_admin_approves_too():
    settings = {"admins": [ADMIN], "budget_approvers": ["Cy@Example.com"], "budget_approver_groups": ["finance"],
                "groups_claim": "roles"}
    cy = resolve(settings, {}, True, {"is_logged_in": True, "email": "cy@example.com"}, {}, None)
    assert cy == Access("login", "cy@example.com", False, approver=True)
    assert cy.budget_approver and not cy.price_admin
    assert cy.actor() == Actor("cy@example.com", price_admin=False, approver=True) and cy.actor().may_approve
    bo = {"is_logged_in": True, "email": "bo@example.com"}
    assert not resolve(settings, {}, True, bo, {}, None).budget_approver
    assert resolve(settings, {}, True, {**bo, "roles": ["staff", "finance"]}, {}, None).budget_approver
    assert not resolve(settings, {}, True, {**bo, "groups": ["finance"]}, {}, None).budget_approver  # not the claim
    ana = resolve(settings, {}, True, {"is_logged_in": True, "email": ADMIN}, {}, None)
    assert ana == Access("login", ADMIN, True) and ana.budget_approver  # an admin, not listed as an approver
    assert ana.actor() == Actor(ADMIN, price_admin=True, approver=True)


def test_budget_approvers_behind_a_proxy_and_nobody_approves_in_read_only_or_network_mode():
    proxy = {"user_header": "X-Forwarded-Email", "groups_header": "X-Forwarded-Groups",
             "budget_approver_groups": ["finance"]}
    headers = {"x-forwarded-email": "dee@example.com", "x-forwarded-groups": "staff, finance"}
    dee = resolve(proxy, {}, False, None, headers, "0.0.0.0")
    assert dee == Access("proxy", "dee@example.com", False, approver=True)
    # no header: nobody, whatever the groups header says
    assert resolve(proxy, {}, False, None, {"x-forwarded-groups": "finance"}, "0.0.0.0") == Access("proxy", None, False)
    listed = {"budget_approvers": ["cy@example.com"], "read_only": True}
    assert not resolve(listed, {}, True, {"is_logged_in": True, "email": "cy@example.com"}, {}, None).budget_approver
    nobody = resolve({}, {}, False, None, {}, "0.0.0.0")
    assert nobody.actor() == Actor(None, price_admin=False, approver=False) and not nobody.actor().may_approve
    # nobody signed in is nobody to the store, which refuses their changes: not the laptop's "local"
    for who in (Access("login", None, False, True), Access("proxy", None, False), Access("read_only", None, False)):
        assert who.actor().name is None and not who.actor().may_change("local"), who
    laptop = resolve({}, {}, False, None, {}, "127.0.0.1")
    assert laptop.actor() == Actor("local", price_admin=True, approver=True)


def test_each_mode_says_what_it_allows_in_words():
    assert "read-only" in Access("network", None, False).describe()
    assert Access("local", "local", True).describe().startswith("Local mode")
    assert "price admin" in Access("proxy", ADMIN, True).describe()
    assert Access("login", None, False, True).describe().startswith("Not signed in")
    approver = Access("login", "cy@example.com", False, approver=True).describe()
    assert approver.startswith("Logged in as cy@example.com (viewer, budget approver): you can estimate")
    assert approver.endswith("You can also approve saved budgets.")


# --- the app, headless ----------------------------------------------------------------------------------

@pytest.fixture
def prices(tmp_path, monkeypatch):
    """A copy of the bundled tables with one saved version of OpenAI's, so its history offers a restore."""
    directory = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", directory)
    text, version = read_table(directory, "openai")
    save_table(directory, "openai", text.replace("display_name: OpenAI", "display_name: OpenAI (edited)", 1),
               version, author=ADMIN)
    monkeypatch.setenv("LLM_PLANNER_PRICES", str(directory))
    return directory


def editor(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    """The app on the Price tables view with OpenAI's table open for editing and its history opened."""
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    if user is not None:
        app.user = user
    app.run()
    app.radio(key="view").set_value("Price tables").run()
    app.selectbox(key="prices:provider").set_value("openai").run()
    app.toggle(key="prices:edit").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


ADMIN_KEYS = {"upload:openai", "litellm:openai", "restore:openai", "reset:openai"}


def admin_controls(app: AppTest) -> set[str]:
    """Which of the controls that change the shared table are on the page."""
    keys = {w.key for w in [*app.button, *app.get("file_uploader")]}
    return keys & ADMIN_KEYS


def test_a_viewer_reaches_no_control_that_changes_the_shared_tables(prices):
    app = editor({"access": {"read_only": True}})
    assert admin_controls(app) == set()
    assert [b.key for b in app.button if str(b.key).startswith(("save", "apply"))] == []
    assert any(shown(b.label).startswith("Download openai.yaml") for b in app.get("download_button"))
    assert shown(app.caption[0].value).startswith("Read-only demo")


def test_a_laptop_user_is_the_price_admin(prices):
    app = editor()
    assert admin_controls(app) == ADMIN_KEYS
    assert shown(app.caption[0].value).startswith("Local mode")


def test_with_a_login_the_page_waits_for_it_and_then_follows_the_allow_list(prices):
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    app.secrets["auth"] = LOGIN
    app.user = {"is_logged_in": False}
    app.run()
    assert not app.exception
    assert [b.label for b in app.button] == ["Log in"]
    assert not app.table  # no estimate before the login

    settings = {"auth": LOGIN, "access": {"admins": [ADMIN]}}
    assert admin_controls(editor(settings, {"is_logged_in": True, "email": ADMIN})) == ADMIN_KEYS
    viewer = editor(settings, {"is_logged_in": True, "email": "bo@example.com"})
    assert admin_controls(viewer) == set()
    assert shown(viewer.caption[0].value).startswith("Logged in as bo@example.com (viewer)")


def test_the_history_says_who_saved_the_table_in_use(prices):
    app = editor({"access": {"read_only": True}})  # a viewer sees the history too, without its buttons
    captions = [shown(c.value) for c in app.caption]
    assert any(c.startswith("The table now in use was saved ") and c.endswith(f" by {ADMIN} (edited).")
               for c in captions), captions
    # the one kept version is the bundled table, which nobody saved here
    [picker] = [s for s in app.selectbox if s.key == "history:openai"]
    assert [option.endswith("UTC (bundled)") for option in picker.options] == [True]  # shown as formatted
