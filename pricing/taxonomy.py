"""The shared vocabulary of the catalog and the engines: channels, placements, evidence tiers."""

from __future__ import annotations

import enum
import re


class Platform(enum.StrEnum):
    """The kind of channel asset a community owns."""

    FACEBOOK_GROUP = "facebook_group"
    FACEBOOK_PAGE = "facebook_page"
    WHATSAPP_GROUP = "whatsapp_group"
    WHATSAPP_COMMUNITY = "whatsapp_community"
    WHATSAPP_CHANNEL = "whatsapp_channel"
    TELEGRAM_CHANNEL = "telegram_channel"
    TELEGRAM_GROUP = "telegram_group"
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    LINKEDIN_GROUP = "linkedin_group"
    LINKEDIN_PAGE = "linkedin_page"
    X = "x"
    YOUTUBE = "youtube"
    NEWSLETTER = "newsletter"
    PODCAST = "podcast"
    DISCORD = "discord"
    SLACK = "slack"
    WEBSITE = "website"
    APP = "app"
    OFFLINE_EVENTS = "offline_events"


class InteractionMode(enum.StrEnum):
    """Whether members talk to each other, or only hear from the manager."""

    MANY_TO_MANY = "many_to_many"
    ONE_TO_MANY = "one_to_many"


class PlacementType(enum.StrEnum):
    """What a brand buys on a channel asset."""

    POST = "post"
    PINNED_POST = "pinned_post"
    STORY = "story"
    NEWSLETTER_SPONSORSHIP = "newsletter_sponsorship"
    DEDICATED_SEND = "dedicated_send"
    PODCAST_READ = "podcast_read"
    EXPERT_SESSION = "expert_session"
    MEETUP = "meetup"
    SURVEY = "survey"
    ROUND_TABLE = "round_table"
    PRODUCT_PILOT = "product_pilot"


class EvidenceTier(enum.IntEnum):
    """How much a figure can be trusted, from the owner's word to the agency's own check."""

    SELF_REPORTED = 1
    SCREENSHOT = 2
    EXPORT = 3
    VERIFIED = 4

    @property
    def slug(self) -> str:
        return self.name.lower()


class MetricKind(enum.StrEnum):
    """A measured figure of a channel asset; rates are fractions between 0 and 1."""

    MEMBERS = "members"
    ACTIVE_MEMBERS = "active_members"
    POSTS_PER_WEEK = "posts_per_week"
    COMMENTS_PER_WEEK = "comments_per_week"
    REACTIONS_PER_WEEK = "reactions_per_week"
    VIEWS_PER_POST = "views_per_post"
    OPEN_RATE = "open_rate"
    CLICK_RATE = "click_rate"
    EVENT_ATTENDANCE = "event_attendance"
    HEALTH_SCORE = "health_score"


#: Metrics that are shares of something, so must lie in [0, 1].
RATE_METRICS = frozenset({MetricKind.OPEN_RATE, MetricKind.CLICK_RATE})

#: The most members a platform allows in one asset (None: no practical cap).
MEMBER_CAPS: dict[Platform, int | None] = {
    Platform.WHATSAPP_GROUP: 1024,
    # A community's announcement group reaches every member of its (up to 100) groups.
    Platform.WHATSAPP_COMMUNITY: 100 * 1024,
    Platform.TELEGRAM_GROUP: 200_000,
    Platform.DISCORD: 25_000_000,
}

#: A plausible ceiling for any single asset, to catch typos (an extra zero or three).
ABSURD_SIZE = 500_000_000

#: Which web addresses belong to which platform (lower-cased host and path).
URL_PATTERNS: dict[Platform, re.Pattern[str]] = {
    Platform.FACEBOOK_GROUP: re.compile(r"^(www\.|m\.)?facebook\.com/groups/[^/]+"),
    Platform.FACEBOOK_PAGE: re.compile(r"^(www\.|m\.)?(facebook\.com|fb\.com)/(?!groups/)[^/]+"),
    Platform.WHATSAPP_GROUP: re.compile(r"^chat\.whatsapp\.com/[A-Za-z0-9]+"),
    Platform.WHATSAPP_COMMUNITY: re.compile(r"^chat\.whatsapp\.com/[A-Za-z0-9]+"),
    Platform.WHATSAPP_CHANNEL: re.compile(r"^(www\.)?whatsapp\.com/channel/[A-Za-z0-9]+"),
    Platform.TELEGRAM_CHANNEL: re.compile(r"^(t\.me|telegram\.me)/[A-Za-z0-9_+]+"),
    Platform.TELEGRAM_GROUP: re.compile(r"^(t\.me|telegram\.me)/[A-Za-z0-9_+]+"),
    Platform.INSTAGRAM: re.compile(r"^(www\.)?instagram\.com/[A-Za-z0-9_.]+"),
    Platform.TIKTOK: re.compile(r"^(www\.)?tiktok\.com/@[A-Za-z0-9_.]+"),
    Platform.LINKEDIN_GROUP: re.compile(r"^(www\.)?linkedin\.com/groups/[^/]+"),
    Platform.LINKEDIN_PAGE: re.compile(r"^(www\.)?linkedin\.com/(company|in|showcase)/[^/]+"),
    Platform.X: re.compile(r"^(www\.)?(x\.com|twitter\.com)/[A-Za-z0-9_]+"),
    Platform.YOUTUBE: re.compile(
        r"^((www\.|m\.)?youtube\.com/(@|c/|channel/|user/)[^/]+|youtu\.be/.+)"
    ),
    Platform.DISCORD: re.compile(r"^(www\.)?(discord\.gg/|discord\.com/invite/)[A-Za-z0-9-]+"),
    Platform.SLACK: re.compile(r"^[a-z0-9-]+\.slack\.com|^join\.slack\.com/"),
}


def url_matches_platform(url: str, platform: Platform) -> bool:
    """Tell whether `url` (with or without scheme) is an address of `platform`.

    Newsletters, podcasts, websites, apps and events live anywhere, so any http(s) address is
    accepted for them.
    """
    cleaned = re.sub(r"^https?://", "", url.strip(), flags=re.IGNORECASE)
    if not cleaned or " " in cleaned or "." not in cleaned.split("/")[0]:
        return False
    pattern = URL_PATTERNS.get(platform)
    if pattern is None:
        return True
    host, _, rest = cleaned.partition("/")
    return pattern.match(host.lower() + ("/" + rest if rest else "")) is not None
