"""Creative tables: one creative per agreed placement, its immutable versions and the chain.

The rules live in :mod:`campaigns.deals.creative`; these rows only store what they decide.
``creative_versions`` is append-only and the database enforces it (triggers in the migration,
on SQLite and PostgreSQL): a draft that was shown to a reviewer never changes under them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.deals.creative import CreativeStatus
from marketplace.auth.models import User, enum_column
from marketplace.db import Base, UTCDateTime, created_at, intpk, utcnow
from marketplace.deals.models import DealPlacement


class Creative(Base):
    """The post for one placement of a deal, and where it stands in the approval chain."""

    __tablename__ = "creatives"

    id: Mapped[intpk]
    deal_placement_id: Mapped[int] = mapped_column(
        ForeignKey("deal_placements.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[CreativeStatus] = mapped_column(
        enum_column(CreativeStatus, "creative_status"), default=CreativeStatus.DRAFT
    )
    #: The number of the current version (the one the chain is about).
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    #: The reviewer's note when changes were requested (empty otherwise).
    changes_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    placement: Mapped[DealPlacement] = relationship()
    versions: Mapped[list[CreativeVersion]] = relationship(
        back_populates="creative", order_by="CreativeVersion.number"
    )
    approvals: Mapped[list[CreativeApproval]] = relationship(
        back_populates="creative", order_by="CreativeApproval.id"
    )
    comments: Mapped[list[CreativeComment]] = relationship(
        back_populates="creative", order_by="CreativeComment.id"
    )


class CreativeVersion(Base):
    """One draft of the post, as written. Immutable: the database refuses UPDATE and DELETE."""

    __tablename__ = "creative_versions"
    __table_args__ = (UniqueConstraint("creative_id", "number"),)

    id: Mapped[intpk]
    creative_id: Mapped[int] = mapped_column(ForeignKey("creatives.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    link_placeholder: Mapped[str] = mapped_column(String(300), default="")
    #: ``owner`` or ``agency`` (:class:`campaigns.deals.Side`).
    author_side: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]

    creative: Mapped[Creative] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()
    images: Mapped[list[CreativeImage]] = relationship(
        back_populates="version", order_by="CreativeImage.position"
    )


class CreativeImage(Base):
    """An image of one version, checked by its bytes and kept in the database (as evidence is)."""

    __tablename__ = "creative_images"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(
        ForeignKey("creative_versions.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]

    version: Mapped[CreativeVersion] = relationship(back_populates="images")


class CreativeApproval(Base):
    """One decision of the chain on one version: who, as which party, what, and when."""

    __tablename__ = "creative_approvals"

    id: Mapped[intpk]
    creative_id: Mapped[int] = mapped_column(
        ForeignKey("creatives.id", ondelete="RESTRICT"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("creative_versions.id", ondelete="RESTRICT"))
    #: The status the decision reached (``owner_approved`` … or ``changes_requested``).
    reached: Mapped[str] = mapped_column(String(30))
    party: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: ``approve`` or ``request_changes``.
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    creative: Mapped[Creative] = relationship(back_populates="approvals")
    version: Mapped[CreativeVersion] = relationship()
    user: Mapped[User | None] = relationship()


class CreativeComment(Base):
    """A remark on the creative, made while a given version was current."""

    __tablename__ = "creative_comments"

    id: Mapped[intpk]
    creative_id: Mapped[int] = mapped_column(
        ForeignKey("creatives.id", ondelete="CASCADE"), index=True
    )
    version_number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    author: Mapped[User | None] = relationship()
    creative: Mapped[Creative] = relationship(back_populates="comments")
