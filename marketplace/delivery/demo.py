"""Demo: the desk brief's agreed deals as a campaign in mid-flight, proofs and a late post.

A brief cannot start in the past, so the demo's agreed deals run from the weeks ahead. To show
a campaign mid-flight, this demo moves each agreed placement's window to a fixed place around
today (demo data only: the agreement documents keep the dates both sides confirmed) and re-syncs
the posts through :func:`services.schedule_deal`, as an amendment would. Then, through the
services: a post verified, a post waiting for review, a post late (its owner and staff were
alerted, with the playbook's suggestion), a post due, the rest scheduled.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from PIL import Image, ImageDraw
from sqlalchemy import select

from campaigns.deals import DealStatus
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike, utcnow
from marketplace.deals.demo import DESK_TITLE
from marketplace.deals.models import Deal
from marketplace.delivery import services
from marketplace.delivery.models import Post, Proof

#: Each agreed deal's window as days from today (start, end), in the deals' order, and what
#: happens to its posts: ``verified``, ``posted`` (waiting for review), ``late``, ``due``.
WINDOWS: tuple[tuple[int, int, str], ...] = (
    (-14, -6, "verified"),
    (-10, -2, "posted"),
    (-6, -1, "late"),
    (-3, 10, "due"),
    (3, 20, "scheduled"),
)

#: The post as published (the demo creative's words and the default disclosure).
POSTED_TEXT = "ארוחת עשר בריאה בדקה: כריך מלא, ירקות חתוכים ופרי. מתכונים לשבוע בקישור."


def demo_screenshot(seed: int) -> bytes:
    """A chat screenshot drawn for the demo (each seed a different one).

    The chat's wallpaper is a mosaic of light and dark tiles of its own, so that no two demo
    screenshots look alike to the perceptual hash that refuses a proof copied from another post:
    with bubbles alone on one background, about one pair of seeds in 500 came within its
    threshold, and a demo whose plans changed hit one.
    """
    rng = random.Random(seed)
    image = Image.new("RGB", (720, 1280), (236, 229, 221))
    draw = ImageDraw.Draw(image)
    for row in range(8):
        for col in range(8):
            tone = rng.choice((60, 230)) + rng.randint(-20, 20)
            draw.rectangle([col * 90, row * 160, col * 90 + 90, row * 160 + 160],
                           fill=(tone, tone, max(0, tone - 20)))  # fmt: skip
    draw.rectangle([0, 0, 720, 110], fill=(7, 94, 84))
    for i in range(8):
        top, left = 150 + i * 135, rng.choice([20, 380])
        draw.rounded_rectangle([left, top, left + 320, top + 90], 18,
                               fill=rng.choice([(255, 255, 255), (220, 248, 198)]))  # fmt: skip
        for line in range(2):
            words = "".join(rng.choice("abcdefghij klmnop") for _ in range(26))
            draw.text((left + 20, top + 15 + line * 28), words, fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_delivery(session: SessionLike, *, now: dt.datetime | None = None) -> int:
    """Run the desk brief's campaign to mid-flight, once; return how many posts it proved."""
    now = now or utcnow()
    today = now.date()
    brief = session.scalar(select(Brief).where(Brief.title == DESK_TITLE))
    staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
    if brief is None or staff is None:
        return 0
    already = select(Proof.id).join(Post).where(Post.brief_id == brief.id)
    if session.scalar(already) is not None:
        return 0
    agreed = list(
        session.scalars(
            select(Deal)
            .where(Deal.brief_id == brief.id, Deal.status == DealStatus.AGREED)
            .order_by(Deal.id)
        )
    )
    proved = 0
    for deal, (start, end, fate) in zip(agreed, WINDOWS, strict=False):
        for placement in deal.placements:
            placement.starts_on = today + dt.timedelta(days=start)
            placement.ends_on = today + dt.timedelta(days=end)
        session.flush()
        services.schedule_deal(session, deal, now=now)
        if fate not in ("verified", "posted"):
            continue
        for post in session.scalars(select(Post).where(Post.deal_id == deal.id)):
            # Published on time: the day before it was due, mid-morning.
            posted = dt.datetime.combine(max(post.opens_on, post.due_on - dt.timedelta(days=1)),
                                         dt.time(7, 30), dt.UTC)  # fmt: skip
            proof = services.submit_proof(
                session, post.id, live_url=f"https://chat.whatsapp.com/demo/{post.id}",
                screenshot=services.Upload(f"post-{post.id}.png", demo_screenshot(post.id)),
                post_text=f"{POSTED_TEXT} שיתוף פעולה בתשלום", actor=deal.owner, now=posted,
            )  # fmt: skip
            proved += 1
            if fate == "verified":
                services.decide_proof(session, proof.id, verify=True, actor=staff,
                                      now=posted + dt.timedelta(hours=3))  # fmt: skip
    # The calendar's work: posts due, the late one alerted (with the playbook's suggestion).
    services.monitor(session, now)
    session.flush()
    return proved
