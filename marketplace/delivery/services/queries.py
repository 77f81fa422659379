"""Who sees which post, proof and campaign, and what a user may do with a post."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import campaigns.delivery as rules
from campaigns.deals.common import AGENCY, side_of
from campaigns.delivery import PostAction, PostStatus
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.catalog.models import Community
from marketplace.db import SessionLike
from marketplace.deals.services import get_visible, party_of, scoped
from marketplace.delivery.models import Post, Proof
from marketplace.errors import NotFound


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    default_message = _l("No such campaign.")


class PostNotFound(NotFound):
    code = "post_not_found"
    default_message = _l("No such post.")


class ProofNotFound(NotFound):
    code = "proof_not_found"
    default_message = _l("No such proof.")


def get_post(session: SessionLike, post_id: int, user: User) -> Post:
    """A post ``user`` may see, or PostNotFound."""
    return get_visible(session, Post, post_id, user, missing=PostNotFound)


def get_proof(session: SessionLike, proof_id: int, user: User) -> Proof:
    """A proof of a post ``user`` may see, or ProofNotFound."""
    return get_visible(
        session, Proof, proof_id, user, via=(Proof.post_id, Post.deal_id), missing=ProofNotFound
    )


def campaign_posts(session: SessionLike, brief_id: int, user: User) -> list[Post]:
    """Every post of the brief ``user`` may see, by due date; CampaignNotFound when none."""
    posts = list(
        session.scalars(
            scoped(user, Post)
            .where(Post.brief_id == brief_id)
            .order_by(Post.due_on, Post.deal_id, Post.deal_placement_id, Post.number)
        )
    )
    if not posts:
        raise CampaignNotFound()
    return posts


def get_campaign(session: SessionLike, brief_id: int, user: User) -> tuple[Brief, list[Post]]:
    """The brief and the posts of it ``user`` may see, or CampaignNotFound."""
    posts = campaign_posts(session, brief_id, user)
    brief = session.get(Brief, brief_id)
    assert brief is not None
    return brief, posts


@dataclass
class CampaignSummary:
    """One line of the campaigns list: the brief and its posts counted by status."""

    brief: Brief
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """Every post of the campaign, closed ones too (the counts beside it show them)."""
        return sum(self.counts.values())


def campaigns_visible_to(session: SessionLike, user: User) -> list[CampaignSummary]:
    """The campaigns (briefs with posts) ``user`` may see, newest brief first."""
    rows = session.execute(scoped(user, Post).with_only_columns(Post.brief_id, Post.status)).all()
    by_brief: dict[int, Counter[str]] = {}
    for brief_id, status in rows:
        by_brief.setdefault(brief_id, Counter())[PostStatus(status).value] += 1
    briefs = session.scalars(select(Brief).where(Brief.id.in_(by_brief)).order_by(Brief.id.desc()))
    return [CampaignSummary(b, by_brief[b.id]) for b in briefs]


# --- what the pages show ------------------------------------------------------------------


def may_prove(post: Post, user: User) -> bool:
    """Whether ``user`` may submit a proof for ``post`` now (by the table)."""
    try:
        rules.post_next(post.status, PostAction.SUBMIT_PROOF, party_of(user))
    except rules.IllegalPostMove:
        return False
    return True


def may_decide(user: User) -> bool:
    """Agency staff and admins verify and dispute proofs."""
    return party_of(user) in AGENCY


def is_writer(user: User) -> bool:
    return side_of(party_of(user)) is not None


def community_of(post: Post) -> Community:
    return post.deal.community
