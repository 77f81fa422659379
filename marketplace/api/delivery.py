"""The delivery endpoints of /api/v1: a brand organisation's campaign posts and their proofs.

An API token acts as its organisation, a brand (``views._api_user``), so every answer comes
from delivery's own scoping (:func:`marketplace.delivery.services.campaign_posts`,
``get_post``), the same as the campaign pages: another organisation's campaign or post does
not exist for the token (404). Delivery shows no money; proofs come without their bytes.

The routes register on the api blueprint of :mod:`marketplace.api.views`; the app factory's
feature list imports this module so that they exist.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from marketplace.api.views import _api_user, bp
from marketplace.delivery import services as delivery
from marketplace.delivery.models import Post, Proof
from marketplace.extensions import db


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def post_json(post: Post) -> dict[str, Any]:
    """A post as the API shows it: where and when it runs, where it stands, its live link."""
    placement = post.placement
    return {
        "id": post.id,
        "deal_id": post.deal_id,
        "placement_id": post.deal_placement_id,
        "community_id": post.deal.community_id,
        "community_name": post.deal.community.display_name,
        "asset_id": placement.asset_id,
        "placement_type": placement.placement_type.value,
        "number": post.number,
        "count": placement.count,
        "opens_on": post.opens_on.isoformat(),
        "due_on": post.due_on.isoformat(),
        "status": post.status.value,
        "posted_at": _iso(post.posted_at),
        "live_url": post.live_url or None,
        "links": {"proofs": f"/api/v1/posts/{post.id}/proofs"},
    }


def proof_json(proof: Proof) -> dict[str, Any]:
    """A proof without its bytes: when, the link, the image's hashes, the checks, the decision."""
    checked = delivery.proof_check(db.session, proof).check
    return {
        "id": proof.id,
        "submitted_at": proof.submitted_at.isoformat(),
        "live_url": proof.live_url,
        "content_type": proof.content_type,
        "width": proof.width,
        "height": proof.height,
        "sha256": proof.sha256,
        "phash": proof.phash,
        "decision": proof.decision,
        "reason": proof.reason or None,
        "reason_text": proof.reason_text or None,
        "decided_at": _iso(proof.decided_at),
        "disclosure_ok": checked.disclosure_ok if checked is not None else None,
        "same_as_creative": checked.same_as_creative if checked is not None else None,
    }


@bp.get("/campaigns/<int:brief_id>/posts")
def campaign_posts(brief_id: int) -> ResponseReturnValue:
    """Every post of one of the organisation's campaigns, by due date."""
    posts = delivery.campaign_posts(db.session, brief_id, _api_user())
    return jsonify(brief_id=brief_id, items=[post_json(p) for p in posts])


@bp.get("/posts/<int:post_id>/proofs")
def post_proofs(post_id: int) -> ResponseReturnValue:
    """Every proof of one post of the organisation's, oldest first."""
    post = delivery.get_post(db.session, post_id, _api_user())
    return jsonify(post_id=post.id, status=post.status.value,
                   items=[proof_json(p) for p in post.proofs])  # fmt: skip
