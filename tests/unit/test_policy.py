"""The policy decision itself, on stand-in principals (no app)."""

from dataclasses import dataclass

import pytest

from marketplace.auth.models import Role
from marketplace.policy import POLICY, Decision, decide


@dataclass
class Person:
    role: Role
    is_org_admin: bool = False
    is_authenticated: bool = True


def test_an_endpoint_missing_from_the_table_is_forbidden_to_everyone() -> None:
    assert "nowhere.secret" not in POLICY
    assert decide("nowhere.secret", None) is Decision.FORBID
    assert decide("nowhere.secret", Person(Role.ADMIN)) is Decision.FORBID
    assert decide(None, Person(Role.ADMIN)) is Decision.FORBID


def test_anonymous_visitors_are_asked_to_log_in_for_private_pages() -> None:
    assert decide("dashboards.brand", None) is Decision.AUTHENTICATE
    assert decide("auth.login", None) is Decision.ALLOW


@pytest.mark.parametrize(
    ("endpoint", "person", "expected"),
    [
        ("dashboards.brand", Person(Role.BRAND), Decision.ALLOW),
        ("dashboards.brand", Person(Role.OWNER), Decision.FORBID),
        ("dashboards.agency", Person(Role.ADMIN), Decision.ALLOW),
        ("dashboards.agency", Person(Role.FINANCE), Decision.FORBID),
        ("orgs.invite", Person(Role.BRAND, is_org_admin=False), Decision.FORBID),
        ("orgs.invite", Person(Role.BRAND, is_org_admin=True), Decision.ALLOW),
        ("orgs.invite", Person(Role.ADMIN, is_org_admin=True), Decision.FORBID),
        ("admin.users", Person(Role.STAFF), Decision.FORBID),
    ],
)
def test_roles_and_org_admin_flags_decide_access(
    endpoint: str, person: Person, expected: Decision
) -> None:
    assert decide(endpoint, person) is expected
