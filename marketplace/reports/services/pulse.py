"""The member pulse: one anonymous survey per community, one answer per visitor."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pandas as pd
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from campaigns.results import pulse_summary
from marketplace.auth.models import User
from marketplace.db import SessionLike
from marketplace.errors import Conflict, NotFound
from marketplace.reports.models import PulseAnswer, PulseSurvey
from marketplace.reports.services.access import STAFF_ROLES, CampaignNotFound, get_campaign

# --- member pulse -------------------------------------------------------------------------


class PulseClosed(NotFound):
    code = "pulse_not_found"
    default_message = _l("This survey is closed or does not exist.")


class AlreadyAnswered(Conflict):
    code = "pulse_answered"
    default_message = _l("You have already answered this survey. Thank you!")


def open_pulse(session: SessionLike, brief_id: int, *, actor: User) -> list[PulseSurvey]:
    """Open one anonymous survey per community of the campaign (staff); idempotent."""
    if actor.role not in STAFF_ROLES:
        raise CampaignNotFound()
    campaign = get_campaign(session, brief_id, actor)
    existing = {
        s.community_id: s
        for s in session.scalars(select(PulseSurvey).where(PulseSurvey.brief_id == brief_id))
    }
    for community_id in sorted({p.asset.community_id for p in campaign.placements}):
        if community_id not in existing:
            survey = PulseSurvey(
                brief_id=brief_id,
                community_id=community_id,
                slug=secrets.token_urlsafe(18),
                salt=secrets.token_hex(32),
            )
            session.add(survey)
            existing[community_id] = survey
    session.flush()
    return sorted(existing.values(), key=lambda s: s.community_id)


def surveys(session: SessionLike, brief_id: int) -> list[PulseSurvey]:
    return list(
        session.scalars(
            select(PulseSurvey)
            .where(PulseSurvey.brief_id == brief_id)
            .order_by(PulseSurvey.community_id)
        )
    )


def survey_by_slug(session: SessionLike, slug: str) -> PulseSurvey:
    survey = session.scalar(select(PulseSurvey).where(PulseSurvey.slug == slug[:40]))
    if survey is None or not survey.is_open:
        raise PulseClosed()
    return survey


def visitor_hash(survey: PulseSurvey, visitor: str) -> str:
    """The visitor's salted hash in this survey (the cookie's value never leaves the server)."""
    return hmac.new(survey.salt.encode(), visitor.encode(), hashlib.sha256).hexdigest()


def answer_pulse(
    session: SessionLike, survey: PulseSurvey, *, visitor: str, recall: bool, sentiment: int,
    trust: int,
) -> PulseAnswer:  # fmt: skip
    """Record one visitor's answer; a second answer from the same visitor is refused."""
    digest = visitor_hash(survey, visitor)
    taken = session.scalar(
        select(PulseAnswer.id).where(
            PulseAnswer.survey_id == survey.id, PulseAnswer.visitor_hash == digest
        )
    )
    if taken is not None:
        raise AlreadyAnswered()
    answer = PulseAnswer(
        survey_id=survey.id, visitor_hash=digest, recall=recall, sentiment=sentiment, trust=trust
    )
    session.add(answer)
    session.flush()
    return answer


def pulse(session: SessionLike, brief_id: int) -> pd.DataFrame:
    """The campaign's pulse per community, blank below the minimum number of answers."""
    rows = session.execute(
        select(PulseSurvey.community_id, PulseAnswer.recall, PulseAnswer.sentiment,
               PulseAnswer.trust)
        .join(PulseAnswer, PulseAnswer.survey_id == PulseSurvey.id)
        .where(PulseSurvey.brief_id == brief_id)
    ).all()  # fmt: skip
    return pulse_summary(
        pd.DataFrame(rows, columns=["community_id", "recall", "sentiment", "trust"])
    )
