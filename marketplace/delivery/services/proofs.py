"""Proof of posting: check the screenshot and link, submit, verify or dispute, measure, close."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import warnings
from dataclasses import dataclass

import imagehash
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select, text

import campaigns.delivery as rules
from campaigns.delivery import PostAction, PostStatus
from marketplace import events
from marketplace.auth.models import User
from marketplace.creative import services as creative
from marketplace.db import SessionLike, utcnow
from marketplace.deals.services import get_visible, party_of
from marketplace.delivery.models import Post, Proof
from marketplace.delivery.services.moves import move_post, notify, owners_of, staff_of
from marketplace.delivery.services.queries import PostNotFound, get_proof
from marketplace.errors import Conflict, KesherError
from marketplace.uploads import Upload

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
class Screenshot:
    """What the checks learned from an acceptable screenshot."""

    content_type: str
    width: int
    height: int
    sha256: str
    phash: str


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


def _lock_post(session: SessionLike, post_id: int, user: User | None) -> Post:
    """The post locked for update: one ``user`` may see, or any post for the system (None)."""
    if user is not None:
        return get_visible(session, Post, post_id, user, missing=PostNotFound, lock=True)
    post = session.scalar(select(Post).where(Post.id == post_id).with_for_update())
    if post is None:
        raise PostNotFound()
    return post


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
    move_post(session, post, PostAction.SUBMIT_PROOF, actor, now=now, to=to)
    session.flush()
    notify(session, post, staff_of(session), "proof_to_review", actor=actor)
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
    move_post(session, post, action, actor, now=now, reason=why, to=to)
    session.flush()
    if verify:
        events.publish(session, "post.verified", post=post, actor=actor, at=now)
    else:
        notify(session, post, owners_of(session, post), "proof_disputed", actor=actor)
        events.publish(session, "post.disputed", post=post, reason=why, actor=actor, at=now)
    return proof


def measure_post(
    session: SessionLike, post_id: int, *, actor: User | None, now: dt.datetime | None = None
) -> Post:
    """A verified post's figures are in: the results feature (or staff) marks it measured.

    ``actor`` None is the system (an import job); a user must be agency staff and see the post.
    """
    now = now or utcnow()
    post = _lock_post(session, post_id, actor)
    move_post(session, post, PostAction.MEASURE, actor, now=now)
    session.flush()
    return post


def close_post(
    session: SessionLike, post_id: int, *, actor: User | None, now: dt.datetime | None = None
) -> Post:
    """Close a measured post (done) or a missed one (given up), by staff or the system."""
    now = now or utcnow()
    post = _lock_post(session, post_id, actor)
    reason = "measured" if post.status is PostStatus.MEASURED else post.status.value
    move_post(session, post, PostAction.CLOSE, actor, now=now, reason=reason)
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
