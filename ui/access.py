"""Who may do what in the app, and who they are.

A **viewer** may estimate, give ranges, export, share links and try private what-if edits of a price
table, which are never saved. A **price admin** may also save, upload, import, restore and reset the
shared price tables, and each save is recorded in the table's history under their name. A **budget
approver** (``access.budget_approvers`` by e-mail, ``access.budget_approver_groups`` by group) may approve
saved budgets, as a price admin may; anyone signed in saves budgets of their own.

Who someone is comes from the first of these that the deployment sets up (``.streamlit/secrets.toml``
and the environment):

1. **Read-only** (``LLM_PLANNER_READ_ONLY=1``, or ``read_only = true`` under ``[access]``): a public
   demo; everyone is a viewer.
2. **Login** (an ``[auth]`` section: Streamlit's built-in OpenID Connect login, ``st.login``): a visitor
   logs in first; price admins are the e-mail addresses in ``access.admins`` or the members of a group
   in ``access.admin_groups`` (read from the identity token's ``access.groups_claim``, ``groups`` by
   default); budget approvers likewise in ``access.budget_approvers`` and ``access.budget_approver_groups``.
3. **Reverse proxy** (``access.user_header``, e.g. ``X-Forwarded-Email``): the identity a trusted proxy
   in front of the app puts in a request header (and groups in ``access.groups_header``, separated by
   commas); admins and budget approvers as above. Set this only behind a proxy that sets the header
   itself, or anyone can claim any name.
4. **No login**: on a laptop (the server listening on this machine only, ``server.address`` a loopback
   address, as ``.streamlit/config.toml`` sets it) the one user is the price admin, recorded as
   "local"; a server reachable from the network with no login keeps the prices read-only.

The page says which of these is on. ``resolve`` decides from plain data, so tests need no server;
``current`` reads Streamlit's secrets, login and headers and calls it.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

from planner.budgets import LOCAL_PERSON
from planner.budgets.store import Actor

READ_ONLY_ENV = "LLM_PLANNER_READ_ONLY"
DEFAULT_GROUPS_CLAIM = "groups"
LOCAL_USER = LOCAL_PERSON  # who a save on a laptop without a login is recorded as
Mode = Literal["read_only", "login", "proxy", "local", "network"]


@dataclass(frozen=True)
class Access:
    """The visitor's identity and rights, and the mode they come from."""

    mode: Mode
    user: str | None  # the name recorded in the history; None while unknown (not logged in, no header)
    price_admin: bool
    needs_login: bool = False  # login mode and not logged in yet
    approver: bool = False  # listed as a budget approver (by e-mail or group); see ``budget_approver``

    @property
    def role(self) -> str:
        """"price admin" or "viewer"."""
        return "price admin" if self.price_admin else "viewer"

    @property
    def budget_approver(self) -> bool:
        """Whether they may approve saved budgets: a listed budget approver, or a price admin.

        >>> Access("local", "local", True).budget_approver, Access("login", "bo@example.com", False).budget_approver
        (True, False)
        """
        return self.price_admin or self.approver

    def actor(self) -> Actor:
        """Who they are to the saved budgets' store, with their rights: nobody (``None``) when nobody is signed
        in, whom the store refuses every change; "local" on a laptop without a login (``resolve`` names them).

        >>> Access("proxy", "bo@example.com", False, approver=True).actor()
        Actor(name='bo@example.com', price_admin=False, approver=True)
        >>> Access("network", None, False).actor()
        Actor(name=None, price_admin=False, approver=False)
        >>> Access("local", "local", True).actor()
        Actor(name='local', price_admin=True, approver=True)
        """
        return Actor(self.user, self.price_admin, self.budget_approver)

    def describe(self) -> str:
        """What is on, in plain words, for the top of the page.

        >>> Access("local", "local", True).describe()[:60]
        'Local mode: no login is set up, and this server answers only'
        >>> print(Access("login", "ana@example.com", False).describe())  # doctest: +NORMALIZE_WHITESPACE
        Logged in as ana@example.com (viewer): you can estimate, range, export and share, and try price edits that
        are not saved.
        """
        viewer = "you can estimate, range, export and share, and try price edits that are not saved."
        admin = "you can also save, upload, import, restore and reset the shared price tables."
        if self.mode == "read_only":
            return f"Read-only demo: {viewer[0].upper()}{viewer[1:]}"
        if self.mode == "local":
            return ("Local mode: no login is set up, and this server answers only on this machine, so you are its "
                    f"price admin; {admin} Set up a login before hosting it for others (README, Roles).")
        if self.mode == "network":
            return ("No login is set up and this server is reachable from the network, so the shared price tables "
                    f"are read-only here: {viewer} A price admin signs in once a login is set up (README, Roles).")
        if self.user is None:
            return f"Not signed in: {viewer}"
        who = "Logged in" if self.mode == "login" else "Signed in through the proxy"
        if self.approver and not self.price_admin:
            return f"{who} as {self.user} (viewer, budget approver): {viewer} You can also approve saved budgets."
        return f"{who} as {self.user} ({self.role}): {admin if self.price_admin else viewer}"


def resolve(settings: Mapping[str, Any], env: Mapping[str, str], login_configured: bool,
            user: Mapping[str, Any] | None, headers: Mapping[str, str], server_address: str | None) -> Access:
    """The access of one visitor.

    ``settings`` is the ``[access]`` section of the secrets (empty if none); ``login_configured`` says
    whether an ``[auth]`` section exists; ``user`` is ``st.user`` as a mapping; ``headers`` are the
    request's headers (any case); ``server_address`` is Streamlit's ``server.address``.

    >>> resolve({}, {}, False, None, {}, "127.0.0.1")
    Access(mode='local', user='local', price_admin=True, needs_login=False, approver=False)
    >>> resolve({}, {}, False, None, {}, None).price_admin  # listening on every interface, no login
    False
    >>> resolve({"admins": ["Ana@Example.com"]}, {}, True, {"is_logged_in": True, "email": "ana@example.com"},
    ...         {}, None)
    Access(mode='login', user='ana@example.com', price_admin=True, needs_login=False, approver=False)
    >>> resolve({"user_header": "X-Forwarded-Email", "admin_groups": ["pricing"], "groups_header": "X-Groups"}, {},
    ...         False, None, {"x-forwarded-email": "bo@example.com", "x-groups": "staff, pricing"}, None)
    Access(mode='proxy', user='bo@example.com', price_admin=True, needs_login=False, approver=False)
    >>> resolve({"budget_approvers": ["cy@example.com"]}, {}, True, {"is_logged_in": True, "email": "Cy@example.com"},
    ...         {}, None)
    Access(mode='login', user='Cy@example.com', price_admin=False, needs_login=False, approver=True)
    >>> resolve({}, {"LLM_PLANNER_READ_ONLY": "1"}, False, None, {}, "127.0.0.1").price_admin
    False
    """
    if _true(env.get(READ_ONLY_ENV)) or _true(settings.get("read_only")):
        return Access("read_only", None, False)
    admins = {str(a).strip().lower() for a in _list(settings.get("admins"))}
    admin_groups = {str(g).strip() for g in _list(settings.get("admin_groups"))}
    approvers = {str(a).strip().lower() for a in _list(settings.get("budget_approvers"))}
    approver_groups = {str(g).strip() for g in _list(settings.get("budget_approver_groups"))}
    if login_configured:
        if not user or not user.get("is_logged_in"):
            return Access("login", None, False, needs_login=True)
        name = str(user.get("email") or user.get("preferred_username") or user.get("sub") or "").strip()
        groups = {str(g).strip() for g in _list(user.get(str(settings.get("groups_claim") or DEFAULT_GROUPS_CLAIM)))}
        return Access("login", name or None, bool(name) and _listed(name, groups, admins, admin_groups),
                      approver=bool(name) and _listed(name, groups, approvers, approver_groups))
    header = str(settings.get("user_header") or "").strip()
    if header:
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        name = lowered.get(header.lower(), "").strip()
        groups_header = str(settings.get("groups_header") or "").strip().lower()
        groups = {g.strip() for g in lowered.get(groups_header, "").split(",") if g.strip()} if groups_header else set()
        return Access("proxy", name or None, bool(name) and _listed(name, groups, admins, admin_groups),
                      approver=bool(name) and _listed(name, groups, approvers, approver_groups))
    if _loopback(server_address):
        return Access("local", LOCAL_USER, True)
    return Access("network", None, False)


def _listed(name: str, groups: set[str], names: set[str], listed_groups: set[str]) -> bool:
    """Whether the person is among ``names`` (e-mails, lower case) or in one of ``listed_groups``."""
    return name.lower() in names or bool(groups & listed_groups)


def _true(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    try:
        return list(value)
    except TypeError:
        return [value]


def _loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` answers on this machine only.

    >>> [_loopback(a) for a in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "", None)]
    [True, True, True, False, False, False]
    """
    if not address:
        return False  # Streamlit's default: every interface
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def current() -> Access:
    """This visitor's access, from the app's secrets, login and request headers."""
    try:
        secrets: Mapping[str, Any] = st.secrets.to_dict() if len(st.secrets) else {}
    except (FileNotFoundError, OSError, ValueError):  # no secrets file, or one that does not parse
        secrets = {}
    access = secrets.get("access")
    settings: Mapping[str, Any] = access if isinstance(access, Mapping) else {}
    login_configured = isinstance(secrets.get("auth"), Mapping)
    user = st.user.to_dict() if login_configured else None
    headers = dict(st.context.headers or {}) if settings.get("user_header") else {}
    return resolve(settings, os.environ, login_configured, user, headers, st.get_option("server.address"))
