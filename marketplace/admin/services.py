"""What the admin pages read and the admin's edit of an account.

Creating a user and activating a pricing version are the owning feature's services
(`auth.services`, `valuation.services`); these are the admin's own queries, and `update_user`,
the edit page's one change. Services flush, never commit: the view commits once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.auth.models import Role, User
from marketplace.auth.services import end_all_login_sessions, normalise_email
from marketplace.db import SessionLike
from marketplace.errors import Conflict, EmailAlreadyRegistered
from marketplace.outbox import OutboundEmail
from marketplace.valuation.models import PricingTableVersion

#: Admin changes to accounts are written here, one line each: who changed whom, which fields.
audit_log = logging.getLogger("kesher.audit.admin")


class UserEditRefused(Conflict):
    """An account edit that would break a rule; `field` names the form field to show it on."""

    code = "user_edit_refused"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class UserChanges:
    display_name: str
    email: str
    locale: str
    role: Role
    active: bool


def _active_admin_ids(session: SessionLike) -> set[int]:
    # Locked, so two admins demoting each other at once cannot both pass the last-admin check.
    return set(
        session.scalars(
            select(User.id)
            .where(User.role == Role.ADMIN, User.is_active.is_(True))
            .with_for_update()
        )
    )


def _check_role_and_state(session: SessionLike, user: User, new: UserChanges, actor: User) -> None:
    stays_admin = new.role is Role.ADMIN and new.active
    losing_admin = user.role is Role.ADMIN and user.is_active and not stays_admin
    if losing_admin and not _active_admin_ids(session) - {user.id}:
        raise UserEditRefused(
            str(_l("This is the last active administrator; make someone else one first.")),
            field="role" if new.role is not Role.ADMIN else "active",
        )
    if user.id == actor.id and new.role is not user.role:
        raise UserEditRefused(str(_l("You cannot change your own role.")), field="role")
    if user.id == actor.id and not new.active:
        raise UserEditRefused(str(_l("You cannot disable your own account.")), field="active")
    if new.role is user.role:
        return
    # Brand members, and only they, belong to an organisation (see auth.services.create_user).
    if new.role is Role.BRAND and user.organisation_id is None:
        raise UserEditRefused(
            str(
                _l(
                    "A brand member must belong to an organisation, and this user has none; "
                    "invite them from their organisation instead."
                )
            ),
            field="role",
        )
    if user.role is Role.BRAND and user.organisation_id is not None:
        raise UserEditRefused(
            str(
                _l(
                    "This user is a member of a brand organisation; only brand members belong "
                    "to one, so their role cannot change. Create a separate account instead."
                )
            ),
            field="role",
        )


def update_user(session: SessionLike, user: User, new: UserChanges, *, actor: User) -> list[str]:
    """Apply an admin's edit of `user`; return the names of the fields that changed.

    A new role or e-mail, or deactivation, ends every login session of the user. Refusals
    (`UserEditRefused`, `EmailAlreadyRegistered`) raise before anything is written.
    """
    email = normalise_email(new.email)
    if email != user.email:
        taken = session.scalar(select(User.id).where(User.email == email, User.id != user.id))
        if taken is not None:
            raise EmailAlreadyRegistered()
    _check_role_and_state(session, user, new, actor)
    changed = {
        "display_name": new.display_name.strip() != user.display_name,
        "email": email != user.email,
        "locale": new.locale != user.locale,
        "role": new.role is not user.role,
        "active": new.active != user.is_active,
    }
    user.display_name = new.display_name.strip()
    user.email = email
    user.locale = new.locale
    user.role = new.role
    user.is_active = new.active
    fields = [name for name, yes in changed.items() if yes]
    if changed["role"] or changed["email"] or not new.active:
        end_all_login_sessions(session, user)
    session.flush()
    if fields:
        record_user_change(actor, user, fields)
    return fields


def record_user_change(actor: User, user: User, fields: list[str]) -> None:
    """Write one audit line: which admin changed which fields of whom, and the result."""
    audit_log.info(
        "admin %s edited user %s: %s",
        actor.id,
        user.id,
        ", ".join(fields),
        extra={"actor_id": actor.id, "user_id": user.id, "fields": fields,
               "role": user.role.value, "active": user.is_active},
    )  # fmt: skip


@dataclass(frozen=True)
class UsersPage:
    users: Sequence[User]
    page: int
    pages: int
    total: int


def users_page(session: SessionLike, page: int, *, size: int) -> UsersPage:
    """One page of every user, by role, then e-mail (page 1 when `page` is below it)."""
    page = max(page, 1)
    total = session.scalar(select(func.count()).select_from(User)) or 0
    rows = session.scalars(
        select(User)
        .options(selectinload(User.organisation))
        .order_by(User.role, User.email, User.id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return UsersPage(rows, page, max((total + size - 1) // size, 1), total)


def latest_emails(session: SessionLike, limit: int = 100) -> Sequence[OutboundEmail]:
    """The latest outgoing e-mails, sent or waiting, newest first."""
    return session.scalars(
        select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(limit)
    ).all()


def pricing_versions(session: SessionLike) -> Sequence[PricingTableVersion]:
    """Every uploaded version of the benchmark tables, newest first."""
    return session.scalars(
        select(PricingTableVersion).order_by(PricingTableVersion.id.desc())
    ).all()
