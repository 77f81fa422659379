"""Accounts: organisations, users and their roles, login sessions, invitations and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, UTCDateTime, created_at, intpk


class Role(enum.StrEnum):
    """What a user is to Kesher; each role has its own dashboard and permissions."""

    #: A member of a brand organisation (marketing manager).
    BRAND = "brand"
    #: A community owner or manager.
    OWNER = "owner"
    #: Agency staff: brokers who curate, match and negotiate.
    STAFF = "staff"
    #: Finance: collects from brands and pays owners.
    FINANCE = "finance"
    #: Administrators: users, roles and settings.
    ADMIN = "admin"


#: Roles that people may take by signing up; the others are created by an admin.
SELF_SERVICE_ROLES = (Role.BRAND, Role.OWNER)


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a string with a CHECK constraint on both databases."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(20, *(len(str(m.value)) for m in enum_cls)),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Organisation(Base):
    """A brand (advertiser) organisation; its members share briefs, plans and API tokens."""

    __tablename__ = "organisations"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[created_at]

    members: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Base):
    """A person who can log in."""

    __tablename__ = "users"
    # Lets `login_token` below be a plain, unmapped instance attribute.
    __allow_unmapped__ = True

    id: Mapped[intpk]
    #: Stored lower-cased, so look-ups are case-insensitive on both databases.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    #: An organisation admin may invite members and manage API tokens.
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    #: The UI language the user chose; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the user proved they read this e-mail's mailbox (the link mailed at sign-up); None
    #: until then. Accounts made by an admin or an invitation are confirmed when created.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    # Flask-Login's interface. The session cookie names a server-side LoginSession, not the
    # user, so that logout and a password change can end it (see auth.services).
    login_token: str | None = None
    #: Values a page reads, fetched with the login session (auth.services.add_login_value);
    #: None when they were not (or must not be) taken from there.
    login_values: dict[str, Any] | None = None
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str | None:
        return self.login_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class LoginSession(Base):
    """One signed-in browser; deleting the row signs it out."""

    __tablename__ = "login_sessions"

    id: Mapped[intpk]
    #: SHA-256 of the token kept in the cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created_at]
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship()


class Invitation(Base):
    """An organisation admin's invitation of a new member, accepted once by a signed link."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[created_at]
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API, owned by an organisation."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    #: The first characters, shown so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    #: A token acts with the authority of the org admin who created it (see `token_stopped`).
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
