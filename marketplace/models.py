"""Every model, imported in one place so that Alembic and `create_all` see the whole schema."""

from marketplace.auth.models import ApiToken, Invitation, LoginSession, Organisation, Role, User
from marketplace.outbox import OutboundEmail

__all__ = [
    "ApiToken",
    "Invitation",
    "LoginSession",
    "OutboundEmail",
    "Organisation",
    "Role",
    "User",
]
