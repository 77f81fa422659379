"""Delivery use-cases: schedule an agreed deal's posts, prove them, check them, chase them.

Every action is ``verb_noun(session, …, *, actor)``: it locks the post row, asks the pure rules
of :mod:`campaigns.delivery` (the one transition table, the due windows, the text check),
stores what they return with one ``post_events`` row, and flushes; the caller commits once.

Who sees what follows the deal desk: a post is visible to whoever may see its deal
(:func:`marketplace.deals.services.scoped`: staff, admins and finance every deal;
a brand its organisation's; an owner its communities'). Delivery shows no money, so a brand
never sees a payout here. Another user's post or proof does not exist (404).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import imagehash
import pandas as pd
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select, text

import campaigns.delivery as rules
from campaigns.deals import DealStatus, Party
from campaigns.deals.common import AGENCY, side_of
from campaigns.delivery import PostAction, PostStatus, Slot
from marketplace import events
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.catalog.models import ChannelAsset, Community, CommunityManager, ListingStatus
from marketplace.creative import services as creative
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.deals.services import get_visible, party_of, scoped
from marketplace.delivery.models import Post, PostEvent, Proof
from marketplace.errors import Conflict, KesherError, NotFound
from marketplace.inbox import services as inbox
from marketplace.matching import services as matching

#: Screenshots above this many bytes are refused before anything reads them.
MAX_PROOF_BYTES = 8 * 1024 * 1024
#: Pixels (width × height) and pixels a side: a decompression bomb is refused undecoded.
MAX_PROOF_PIXELS = 40_000_000
MAX_PROOF_SIDE = 10_000
#: A screenshot narrower or lower than this proves nothing.
MIN_PROOF_SIDE = 200
#: The formats Pillow must recognise in the bytes (never the name or the declared type).
PROOF_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
#: Perceptual hashes at most this many bits apart (of 64) are the same screenshot: re-encoding
#: and resizing move a phash by 0–2 bits, different chat screenshots by 20 or more
#: (docs/delivery.md, "One screenshot proves one post").
PHASH_THRESHOLD = 10
#: The advisory lock (PostgreSQL) that serialises proof submissions: the duplicate check reads
#: every other proof, so two submissions of one screenshot for two posts must not overlap.
PROOF_LOCK_KEY = 0x6B657368  # "kesh"
#: Why a post was closed without running: it is not owed any more.
DROPPED = frozenset({"deal_cancelled", "count_reduced", "placement_dropped"})


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    default_message = _l("No such campaign.")


class PostNotFound(NotFound):
    code = "post_not_found"
    default_message = _l("No such post.")


class ProofNotFound(NotFound):
    code = "proof_not_found"
    default_message = _l("No such proof.")


class ProofRefused(KesherError):
    """A screenshot or link that cannot prove a post; the message says why."""

    status_code = 422
    code = "proof_refused"
    default_message = _l("This screenshot cannot be used as a proof.")


class DuplicateScreenshot(ProofRefused):
    code = "duplicate_screenshot"
    default_message = _l(
        "This screenshot, or one very like it, already proves another post. "
        "Take a screenshot of this post itself."
    )


class ProofAlreadyDecided(Conflict):
    code = "proof_decided"
    default_message = _l("This proof was already decided; reload to see where it stands.")


@dataclass(frozen=True)
class Upload:
    """An uploaded file, as the form hands it over."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Screenshot:
    """What the checks learned from an acceptable screenshot."""

    content_type: str
    width: int
    height: int
    sha256: str
    phash: str


# --- who sees ------------------------------------------------------------------------------


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
        return sum(n for s, n in self.counts.items() if s != PostStatus.CLOSED.value)


def campaigns_visible_to(session: SessionLike, user: User) -> list[CampaignSummary]:
    """The campaigns (briefs with posts) ``user`` may see, newest brief first."""
    rows = session.execute(scoped(user, Post).with_only_columns(Post.brief_id, Post.status)).all()
    by_brief: dict[int, Counter[str]] = {}
    for brief_id, status in rows:
        by_brief.setdefault(brief_id, Counter())[PostStatus(status).value] += 1
    briefs = session.scalars(select(Brief).where(Brief.id.in_(by_brief)).order_by(Brief.id.desc()))
    return [CampaignSummary(b, by_brief[b.id]) for b in briefs]


# --- the audit trail -----------------------------------------------------------------------


def _state(post: Post) -> dict[str, Any]:
    return {"status": post.status.value, "due_on": post.due_on.isoformat()}


def _event(
    session: SessionLike,
    post: Post,
    actor: User | None,
    action: str,
    before: dict[str, Any],
    *,
    reason: str = "",
    now: dt.datetime,
    party: Party | None = None,
) -> None:
    session.add(
        PostEvent(
            post=post,
            actor_id=actor.id if actor is not None else None,
            party=(party or party_of(actor)).value,
            action=action,
            before=before,
            after=_state(post),
            reason=reason,
            at=now,
        )
    )
    post.updated_at = now


def _move(
    session: SessionLike,
    post: Post,
    action: PostAction,
    actor: User | None,
    *,
    now: dt.datetime,
    reason: str = "",
    to: PostStatus | None = None,
    party: Party | None = None,
) -> None:
    """Apply one row of the table to ``post`` (``to`` when the caller already asked it).

    ``party`` overrides the actor's: a deal-desk event moves posts as the system, whoever
    caused it (the event row still names them).
    """
    before = _state(post)
    post.status = to or rules.post_next(post.status, action, party or party_of(actor))
    if post.status is PostStatus.CLOSED:
        post.closed_reason = reason
    _event(session, post, actor, action.value, before, reason=reason, now=now, party=party)


# --- scheduling from the deal desk's events -------------------------------------------------


def _live_posts(session: SessionLike, placement: DealPlacement) -> list[Post]:
    return list(
        session.scalars(
            select(Post)
            .where(Post.deal_placement_id == placement.id, Post.status != PostStatus.CLOSED)
            .order_by(Post.number)
            .with_for_update()
        )
    )


def _close_waiting(
    session: SessionLike, posts: Iterable[Post], reason: str, actor: User | None, now: dt.datetime
) -> int:
    closed = 0
    for post in posts:
        if post.status in rules.OPEN_POSTS:
            _move(session, post, PostAction.CLOSE, actor, now=now, reason=reason,
                  party=Party.SYSTEM)  # fmt: skip
            closed += 1
    return closed


def schedule_deal(
    session: SessionLike, deal: Deal, *, actor: User | None = None, now: dt.datetime | None = None
) -> list[Post]:
    """Make the deal's posts those of its agreed placements (idempotent; see the module rules).

    New placements get their posts; a changed count or window re-syncs the waiting posts
    (:func:`campaigns.delivery.resync`); a dropped placement's waiting posts are closed. Posts
    that ran (posted, verified, measured) or have a fate (disputed, missed) are never touched.
    """
    now = now or utcnow()
    created: list[Post] = []
    for placement in deal.placements:
        live = _live_posts(session, placement)
        if placement.status is not PlacementStatus.AGREED:
            _close_waiting(session, live, "placement_dropped", actor, now)
            continue
        existing = [rules.ExistingPost(p.id, p.number, p.status) for p in live]
        plan = rules.resync(existing, placement.count, placement.starts_on, placement.ends_on)
        by_id = {p.id: p for p in live}
        for post_id, slot in plan.move.items():
            post = by_id[post_id]
            if (post.opens_on, post.due_on) != (slot.opens_on, slot.due_on):
                before = _state(post)
                post.opens_on, post.due_on = slot.opens_on, slot.due_on
                _event(session, post, actor, "reschedule", before, now=now, party=Party.SYSTEM)
        _close_waiting(session, (by_id[i] for i in plan.close), "count_reduced", actor, now)
        highest = session.scalar(
            select(Post.number)
            .where(Post.deal_placement_id == placement.id)
            .order_by(Post.number.desc())
            .limit(1)
        )
        number = highest or 0
        for slot in plan.add:
            number += 1
            post = Post(
                placement=placement,
                deal_id=deal.id,
                brief_id=deal.brief_id,
                number=number,
                opens_on=slot.opens_on,
                due_on=slot.due_on,
                status=PostStatus.SCHEDULED,
                updated_at=now,
            )
            session.add(post)
            _event(session, post, actor, "schedule", {}, now=now, party=Party.SYSTEM)
            created.append(post)
    session.flush()
    return created


def on_deal_agreed(session: SessionLike, *, deal: Deal, agreement: Any, actor: Any) -> None:
    """The ``deal.agreed`` handler: schedule (or re-sync, after an amendment) the posts."""
    schedule_deal(session, deal, actor=actor if isinstance(actor, User) else None)


def on_deal_cancelled(session: SessionLike, *, deal: Deal, reason: Any, actor: Any) -> None:
    """The ``deal.cancelled`` handler: close every post still waiting (posted ones stay)."""
    now = utcnow()
    who = actor if isinstance(actor, User) else None
    for placement in deal.placements:
        _close_waiting(session, _live_posts(session, placement), "deal_cancelled", who, now)
    session.flush()


def register_event_handlers() -> None:
    """Subscribe delivery to the deal desk's events (called by the app factory)."""
    events.subscribe("deal.agreed", on_deal_agreed)
    events.subscribe("deal.cancelled", on_deal_cancelled)


# --- proof of posting ------------------------------------------------------------------------


def check_screenshot(upload: Upload) -> Screenshot:
    """Check a screenshot by its content; ProofRefused with a message for each refusal."""
    data = upload.data
    if not data:
        raise ProofRefused(str(_l("The screenshot is empty.")))
    if len(data) > MAX_PROOF_BYTES:
        raise ProofRefused(str(_l("The screenshot is larger than 8 MB.")))
    not_an_image = str(_l("This file is not a PNG, JPEG or WebP image."))
    too_many = str(_l("The screenshot has too many pixels (at most 40 megapixels)."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
                if kind not in PROOF_FORMATS:
                    raise ProofRefused(not_an_image)
                if width * height > MAX_PROOF_PIXELS or max(width, height) > MAX_PROOF_SIDE:
                    raise ProofRefused(too_many)
                image.verify()  # reads the whole file: a truncated or corrupt one fails here
            with Image.open(io.BytesIO(data)) as image:
                digest = str(imagehash.phash(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ProofRefused(too_many) from None  # Pillow's own bomb guard, before ours
    except UnidentifiedImageError:
        raise ProofRefused(not_an_image) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ProofRefused(str(_l("The image is damaged or incomplete."))) from None
    if min(width, height) < MIN_PROOF_SIDE:
        raise ProofRefused(
            str(_l("The screenshot is too small: at least 200 pixels on each side."))
        )
    return Screenshot(
        PROOF_FORMATS[str(kind)], width, height, hashlib.sha256(data).hexdigest(), digest
    )


def hamming(a: str, b: str) -> int:
    """Bits that differ between two perceptual hashes written as hex."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def duplicate_of(session: SessionLike, shot: Screenshot, post_id: int) -> int | None:
    """The id of another post's proof this screenshot copies (exactly or perceptually)."""
    rows = session.execute(
        select(Proof.id, Proof.sha256, Proof.phash).where(Proof.post_id != post_id)
    ).all()
    for proof_id, sha256, phash in rows:
        if sha256 == shot.sha256 or hamming(phash, shot.phash) <= PHASH_THRESHOLD:
            return int(proof_id)
    return None


def check_live_url(url: str) -> str:
    """A live link is an http(s) address of at most 500 characters."""
    url = url.strip()
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", url, re.IGNORECASE) or len(url) > 500:
        raise ProofRefused(str(_l("The live link must be a web address starting with https://.")))
    return url


def _lock_post(session: SessionLike, post_id: int, user: User) -> Post:
    return get_visible(session, Post, post_id, user, missing=PostNotFound, lock=True)


def _safe_name(filename: str) -> str:
    # ASCII only: the name goes back out in a Content-Disposition header.
    return re.sub(r"[^A-Za-z0-9.\-]+", "_", filename)[-200:] or "screenshot"


def submit_proof(
    session: SessionLike,
    post_id: int,
    *,
    live_url: str,
    screenshot: Upload,
    post_text: str = "",
    actor: User,
    now: dt.datetime | None = None,
) -> Proof:
    """The owner (or staff for them) proves a post ran: its live link and a screenshot.

    Refused, with nothing written: a post the actor may not see (404), one that cannot take a
    proof now (409), a bad link or screenshot (422), a screenshot that proves another post.
    """
    now = now or utcnow()
    post = _lock_post(session, post_id, actor)
    to = rules.post_next(post.status, PostAction.SUBMIT_PROOF, party_of(actor))
    url = check_live_url(live_url)
    shot = check_screenshot(screenshot)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PROOF_LOCK_KEY})
    if duplicate_of(session, shot, post.id) is not None:
        raise DuplicateScreenshot()
    proof = Proof(
        post=post,
        live_url=url,
        post_text=post_text.strip(),
        filename=_safe_name(screenshot.filename),
        content_type=shot.content_type,
        width=shot.width,
        height=shot.height,
        size_bytes=len(screenshot.data),
        sha256=shot.sha256,
        phash=shot.phash,
        data=screenshot.data,
        submitted_by_id=actor.id,
        submitted_at=now,
    )
    session.add(proof)
    post.live_url, post.posted_at = url, now
    _move(session, post, PostAction.SUBMIT_PROOF, actor, now=now, to=to)
    session.flush()
    _notify(session, post, _staff(session), "proof_to_review", actor=actor)
    return proof


def latest_proof(post: Post) -> Proof | None:
    return post.proofs[-1] if post.proofs else None


def decide_proof(
    session: SessionLike,
    proof_id: int,
    *,
    verify: bool,
    actor: User,
    reason: str = "",
    text: str = "",
    now: dt.datetime | None = None,
) -> Proof:
    """Staff verify the post's latest proof, or dispute it with a reason (the owner is told)."""
    now = now or utcnow()
    found = get_proof(session, proof_id, actor)
    post = _lock_post(session, found.post_id, actor)
    proof = latest_proof(post)
    if proof is None or proof.id != found.id:
        raise ProofAlreadyDecided(str(_l("A newer proof replaced this one.")))
    party = party_of(actor)
    if verify:
        if proof.decision != "pending":
            raise ProofAlreadyDecided()
        to = rules.post_next(post.status, PostAction.VERIFY, party)
        action = PostAction.VERIFY
    else:
        if proof.decision == "disputed":
            raise ProofAlreadyDecided()
        to = rules.dispute_next(post.status, party, reason, text)
        action = PostAction.DISPUTE
    proof.decision = "verified" if verify else "disputed"
    proof.reason = "" if verify else reason
    proof.reason_text = "" if verify else text.strip()
    proof.decided_by_id, proof.decided_at = actor.id, now
    why = "" if verify else (f"{reason}: {text.strip()}" if text.strip() else reason)
    _move(session, post, action, actor, now=now, reason=why, to=to)
    session.flush()
    if not verify:
        _notify(session, post, _owners(session, post), "proof_disputed", actor=actor)
    return proof


def measure_post(
    session: SessionLike, post_id: int, *, actor: User | None, now: dt.datetime | None = None
) -> Post:
    """A verified post's figures are in: the results feature (or staff) marks it measured.

    ``actor`` None is the system (an import job); a user must be agency staff and see the post.
    """
    now = now or utcnow()
    post = (
        _lock_post(session, post_id, actor)
        if actor is not None
        else session.scalar(select(Post).where(Post.id == post_id).with_for_update())
    )
    if post is None:
        raise PostNotFound()
    _move(session, post, PostAction.MEASURE, actor, now=now)
    session.flush()
    return post


def close_post(
    session: SessionLike, post_id: int, *, actor: User | None, now: dt.datetime | None = None
) -> Post:
    """Close a measured post (done) or a missed one (given up), by staff or the system."""
    now = now or utcnow()
    post = (
        _lock_post(session, post_id, actor)
        if actor is not None
        else session.scalar(select(Post).where(Post.id == post_id).with_for_update())
    )
    if post is None:
        raise PostNotFound()
    reason = "measured" if post.status is PostStatus.MEASURED else post.status.value
    _move(session, post, PostAction.CLOSE, actor, now=now, reason=reason)
    session.flush()
    return post


@dataclass(frozen=True)
class ProofCheck:
    """The text checks shown next to a proof (None fields: nothing to compare with)."""

    disclosure: str
    approved_text: str | None
    check: rules.TextCheck | None


def proof_check(session: SessionLike, proof: Proof) -> ProofCheck:
    """The pasted text against the agreed disclosure and the approved creative's text."""
    placement = proof.post.placement
    disclosure = creative.disclosure_of(placement)
    row = creative.creative_of(session, placement)
    approved = creative.current_version(row).text if row is not None else None
    if not proof.post_text:
        return ProofCheck(disclosure, approved, None)
    check = rules.check_text(proof.post_text, approved=approved or "", disclosure=disclosure)
    return ProofCheck(disclosure, approved, check)


# --- the monitor and its alerts ---------------------------------------------------------------


def _active(session: SessionLike, *conditions: Any) -> list[User]:
    return list(session.scalars(select(User).where(User.is_active.is_(True), *conditions)))


def _staff(session: SessionLike) -> list[User]:
    return _active(session, User.role.in_((Role.STAFF, Role.ADMIN)))


def _owners(session: SessionLike, post: Post) -> list[User]:
    community = post.deal.community
    managers = select(CommunityManager.user_id).where(CommunityManager.community_id == community.id)
    return _active(session, (User.id == community.owner_id) | User.id.in_(managers))


def post_link(post_id: int) -> str:
    """The post's page, built without a request (jobs notify too)."""
    return f"/campaigns/posts/{post_id}"


def _params(session: SessionLike, post: Post) -> dict[str, Any]:
    brief = session.get(Brief, post.brief_id)
    assert brief is not None
    return {"community": post.deal.community.display_name, "brief": brief.display_title}


def _notify(
    session: SessionLike,
    post: Post,
    recipients: Sequence[User],
    kind: str,
    *,
    actor: User | None,
    extra: dict[str, Any] | None = None,
) -> None:
    people = [u for u in recipients if actor is None or u.id != actor.id]
    if people:
        inbox.notify(session, people, kind, params={**_params(session, post), **(extra or {})},
                     link=post_link(post.id), subject=post)  # fmt: skip


def asset_name(asset: ChannelAsset) -> str:
    """A channel asset as people name it: its handle, else its address, else its platform."""
    return asset.handle or asset.url or asset.platform.value


def suggestion_for(session: SessionLike, placement: DealPlacement) -> rules.Suggestion:
    """The playbook's suggestion for a placement that is late or behind."""
    deal = placement.deal
    # The community still works with us: listed, or back in review after an edit (not paused).
    active = deal.community.status in (ListingStatus.LISTED, ListingStatus.SUBMITTED)
    assets = [
        rules.AssetCandidate(
            a.id,
            asset_name(a),
            active,
            frozenset(r.placement.value for r in a.rates),
        )
        for a in deal.community.assets
    ]
    brief = session.get(Brief, deal.brief_id)
    assert brief is not None
    entries = [e for e in matching.shortlist(session, brief) if not e.excluded]
    ranking = [
        rules.CommunityCandidate(e.community_id, e.community.display_name)
        for e in entries
        if e.community.status is ListingStatus.LISTED
    ]
    in_campaign = session.scalars(
        select(Deal.community_id).where(
            Deal.brief_id == deal.brief_id, Deal.status != DealStatus.CANCELLED
        )
    )
    return rules.suggest(
        asset_id=placement.asset_id,
        placement_type=placement.placement_type.value,
        assets=assets,
        ranking=ranking,
        in_campaign=list(in_campaign),
    )


def _posts_frame(posts: Iterable[Post]) -> pd.DataFrame:
    rows = [
        (p.deal_placement_id, p.due_on, p.status.value, p.posted_at)
        for p in posts
        if not (p.status is PostStatus.CLOSED and p.closed_reason in DROPPED)
    ]
    frame = pd.DataFrame(rows, columns=list(rules.POST_COLUMNS))
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True)
    return frame


def placement_progress(posts: Sequence[Post], today: dt.date) -> pd.DataFrame:
    """Planned, expected, delivered, late, missed and shortfall per placement of ``posts``."""
    return rules.under_delivery(_posts_frame(posts), today)


@dataclass
class MonitorRun:
    """What one run of the monitor did."""

    opened: int = 0
    missed: int = 0
    owner_alerts: int = 0
    staff_alerts: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "opened": self.opened,
            "missed": self.missed,
            "owner_alerts": self.owner_alerts,
            "staff_alerts": self.staff_alerts,
        }


SUGGESTION_KINDS = {
    rules.SuggestionKind.MOVE_TO_ASSET: "delivery_behind_move",
    rules.SuggestionKind.NEXT_COMMUNITY: "delivery_behind_next",
    rules.SuggestionKind.NONE: "delivery_behind",
}


def monitor(session: SessionLike, now: dt.datetime | None = None) -> MonitorRun:
    """Move waiting posts by the calendar, then alert once for each late or missed post.

    The owner hears when a post first becomes late; agency staff hear, per placement, when a
    post first becomes late or missed, with the counts and the playbook's suggestion.
    Idempotent: a second run the same day moves and alerts nothing more.
    """
    now = now or utcnow()
    today = now.date()
    run = MonitorRun()
    # A paused deal's posts wait where they are (force majeure): the calendar does not move
    # them, nobody is chased; resuming the deal lets the next run catch up.
    running = select(Deal.id).where(Deal.status != DealStatus.PAUSED)
    waiting = list(
        session.scalars(
            select(Post)
            .where(Post.status.in_(sorted(rules.OPEN_POSTS)), Post.deal_id.in_(running))
            .order_by(Post.id)
            .with_for_update()
        )
    )
    for post in waiting:
        to = rules.status_on(post.status, Slot(post.opens_on, post.due_on), today)
        if to is post.status:
            continue
        action = PostAction.MISS if to is PostStatus.MISSED else PostAction.OPEN
        _move(session, post, action, None, now=now, to=rules.post_next(post.status, action,
              Party.SYSTEM))  # fmt: skip
        run.opened += action is PostAction.OPEN
        run.missed += action is PostAction.MISS
    late = list(
        session.scalars(
            select(Post).where(
                Post.status.in_(sorted(rules.OPEN_POSTS)),
                Post.deal_id.in_(running),
                Post.due_on < today,
                Post.late_alerted_at.is_(None),
            )
        )
    )
    missed = list(
        session.scalars(
            select(Post).where(Post.status == PostStatus.MISSED, Post.missed_alerted_at.is_(None))
        )
    )
    for post in late:
        post.late_alerted_at = now
        _notify(session, post, _owners(session, post), "post_late", actor=None,
                extra={"due": post.due_on.isoformat()})  # fmt: skip
        run.owner_alerts += 1
    for post in missed:
        post.missed_alerted_at = now
    placements = {p.deal_placement_id: p for p in [*late, *missed]}
    staff = _staff(session)
    for placement_id, post in sorted(placements.items()):
        siblings = list(session.scalars(select(Post).where(Post.deal_placement_id == placement_id)))
        progress = placement_progress(siblings, today).loc[placement_id]
        suggestion = suggestion_for(session, post.placement)
        _notify(session, post, staff, SUGGESTION_KINDS[suggestion.kind], actor=None, extra={
            "late": int(progress["late"]), "missed": int(progress["missed"]),
            "target": suggestion.target_name,
        })  # fmt: skip
        run.staff_alerts += 1
    session.flush()
    return run


# --- what the pages show ---------------------------------------------------------------------


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
