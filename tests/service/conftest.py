"""What most service tests share: a session inside a request, and the deal desk's cast."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.extensions import db
from tests.factories import make_people


@pytest.fixture
def ctx(app: Flask) -> Iterator[Any]:
    """The session, inside a request (services read the locale and the current user from it)."""
    with app.test_request_context():
        yield db.session


@pytest.fixture
def people(ctx: Any, make_user: Any) -> dict[str, User]:
    """A user of each role, and a second owner and brand (see ``DESK_CAST``)."""
    return make_people(ctx, make_user)
