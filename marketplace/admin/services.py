"""What the admin pages read and the admin's edit of an account.

Creating a user and activating a pricing version are the owning feature's services
(`auth.services`, `valuation.services`); these are the admin's own queries, and `update_user`,
the edit page's one change. Services flush, never commit: the view commits once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.admin.models import UserChange
from marketplace.auth.models import Role, User
from marketplace.auth.services import end_all_login_sessions, normalise_email, set_user_active
from marketplace.catalog.models import Community, CommunityManager
from marketplace.db import SessionLike
from marketplace.errors import Conflict, EmailAlreadyRegistered
from marketplace.outbox import OutboundEmail
from marketplace.valuation.models import PricingTableVersion

#: Admin changes to accounts are also written here, one line each: who changed whom, which fields
#: (the trail itself is the `user_changes` table, `UserChange`).
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
    if user.role is Role.OWNER and _runs_communities(session, user):
        raise UserEditRefused(
            str(
                _l(
                    "This owner lists or co-manages communities; only owners do, so their role "
                    "cannot change while they do. Create a separate account instead."
                )
            ),
            field="role",
        )


def _runs_communities(session: SessionLike, user: User) -> bool:
    owns = select(Community.id).where(Community.owner_id == user.id)
    manages = select(CommunityManager.id).where(CommunityManager.user_id == user.id)
    return session.scalar(select(owns.exists() | manages.exists())) is True


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
    before = _audited(user)
    user.display_name = new.display_name.strip()
    user.email = email
    user.locale = new.locale
    user.role = new.role
    user.is_active = new.active
    after = _audited(user)
    fields = [name for name in before if before[name] != after[name]]
    if {"role", "email"} & set(fields) or not new.active:
        end_all_login_sessions(session, user)
    record_user_change(session, actor, user, {name: [before[name], after[name]] for name in fields})
    return fields


def set_active(session: SessionLike, user: User, *, active: bool, actor: User) -> None:
    """The users list's enable/disable button: `auth.services.set_user_active`, audited."""
    before = user.is_active
    set_user_active(session, user, active=active, actor=actor)
    changes = {"active": [before, active]} if before != active else {}
    record_user_change(session, actor, user, changes)


def _audited(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "email": user.email,
        "locale": user.locale,
        "role": user.role.value,
        "active": user.is_active,
    }


def record_user_change(
    session: SessionLike, actor: User, user: User, changes: dict[str, list[Any]]
) -> None:
    """Keep one row of the trail (and write one log line): who changed what of whom.

    `changes` maps each changed field to its values before and after; nothing is kept when it
    is empty. Flushes with the change itself, so both commit or neither.
    """
    if not changes:
        session.flush()
        return
    session.add(UserChange(user_id=user.id, actor_id=actor.id, changes=changes))
    session.flush()
    fields = list(changes)
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


def user_history(session: SessionLike, user: User, limit: int = 50) -> Sequence[UserChange]:
    """The latest admin changes to `user`, newest first, with who made them."""
    return session.scalars(
        select(UserChange)
        .options(selectinload(UserChange.actor))
        .where(UserChange.user_id == user.id)
        .order_by(UserChange.id.desc())
        .limit(limit)
    ).all()


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
