"""The figures a placement's results are measured in, and what makes one impossible."""

from __future__ import annotations

import datetime as dt
import enum

from pricing.taxonomy import EvidenceTier, Platform


class ResultMetric(enum.StrEnum):
    """A figure measured on one placement after it ran (counts of people or actions)."""

    REACH = "reach"
    VIEWS = "views"
    REACTIONS = "reactions"
    COMMENTS = "comments"
    SHARES = "shares"
    EVENT_ATTENDANCE = "event_attendance"
    SURVEY_ANSWERS = "survey_answers"
    LEADS = "leads"
    SALES = "sales"


#: The figures of a placement, in the order pages, files and exports show them.
RESULT_METRICS: tuple[ResultMetric, ...] = tuple(ResultMetric)

#: The figures that add up to engagement (people acting on the post).
ENGAGEMENT_METRICS = (ResultMetric.REACTIONS, ResultMetric.COMMENTS, ResultMetric.SHARES)

#: Closed spaces: the post reaches members, and forwards carry it only a little further.
CLOSED_PLATFORMS = frozenset(
    {
        Platform.WHATSAPP_GROUP,
        Platform.WHATSAPP_COMMUNITY,
        Platform.WHATSAPP_CHANNEL,
        Platform.TELEGRAM_GROUP,
        Platform.TELEGRAM_CHANNEL,
        Platform.FACEBOOK_GROUP,
        Platform.LINKEDIN_GROUP,
        Platform.DISCORD,
        Platform.SLACK,
        Platform.NEWSLETTER,
        Platform.OFFLINE_EVENTS,
    }
)

#: The most people a post can reach per member of the asset. In a closed space forwards and
#: guests add at most half again; an open channel's post can travel (shares, the platform's
#: feed) but ten times its followers in a community campaign is a typing mistake (an extra
#: zero), not a result. docs/delivery.md ("Metrics") documents these factors.
CLOSED_REACH_FACTOR = 1.5
OPEN_REACH_FACTOR = 10.0

#: Each figure's ceiling as a multiple of the reach ceiling: people view a post several times
#: and write several comments; everything else is at most one per person reached.
METRIC_CAP_FACTORS: dict[ResultMetric, float] = {
    ResultMetric.REACH: 1.0,
    ResultMetric.VIEWS: 5.0,
    ResultMetric.REACTIONS: 1.0,
    ResultMetric.COMMENTS: 5.0,
    ResultMetric.SHARES: 1.0,
    ResultMetric.EVENT_ATTENDANCE: 1.0,
    ResultMetric.SURVEY_ANSWERS: 1.0,
    ResultMetric.LEADS: 1.0,
    ResultMetric.SALES: 1.0,
}

#: A figure larger than this is refused whatever the asset (ten times Israel's population).
ABSURD_FIGURE = 100_000_000

#: The tiers an owner may give a figure they enter: their own word. A screenshot, an export
#: or Kesher's check raise it, and staff record those.
OWNER_TIERS = frozenset({EvidenceTier.SELF_REPORTED})


def reach_factor(platform: Platform | str) -> float:
    """How many people a post can reach per member of an asset of `platform`."""
    return CLOSED_REACH_FACTOR if Platform(platform) in CLOSED_PLATFORMS else OPEN_REACH_FACTOR


def figure_ceiling(
    metric: ResultMetric | str, platform: Platform | str, members: int
) -> int | None:
    """The largest plausible value of `metric` on an asset with `members` (None: no cap known)."""
    if members <= 0:
        return None
    factor = METRIC_CAP_FACTORS[ResultMetric(metric)] * reach_factor(platform)
    return int(members * factor)


def figure_problem(
    metric: ResultMetric | str,
    value: int,
    *,
    platform: Platform | str,
    members: int,
) -> str | None:
    """Why `value` cannot be a real figure of `metric` on this asset, or None when it can."""
    if value < 0:
        return "A figure cannot be negative."
    if value > ABSURD_FIGURE:
        return f"{value:,} is more than any community campaign reaches; check for extra zeros."
    ceiling = figure_ceiling(metric, platform, members)
    if ceiling is not None and value > ceiling:
        return (
            f"{value:,} is impossible for a channel of {members:,} members: at most {ceiling:,} "
            f"(members × {METRIC_CAP_FACTORS[ResultMetric(metric)] * reach_factor(platform):g})."
        )
    return None


def date_problem(observed_on: dt.date, *, starts_on: dt.date, today: dt.date) -> str | None:
    """Why a figure dated `observed_on` cannot describe a post whose window opens `starts_on`."""
    if observed_on < starts_on:
        return (
            f"The figure is dated {observed_on.isoformat()}, before the placement's window "
            f"opens on {starts_on.isoformat()}: a post cannot be measured before it runs."
        )
    if observed_on > today:
        return f"The figure is dated {observed_on.isoformat()}, in the future."
    return None
