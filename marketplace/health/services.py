"""Health use-cases: read an owner's export, show what would be kept, store the confirmed evidence.

The uploaded file is never written anywhere. `preview_export` parses it in memory (people become
salted hashes, text is dropped) and keeps only those anonymised rows, for an hour at most, until
`confirm_export` turns them into a stored report and catalog figures, or `discard_export` drops
them. Every function flushes; the caller commits once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog import vocab
from marketplace.catalog.models import ChannelAsset
from marketplace.catalog.services import CatalogValidationError
from marketplace.db import SessionLike, utcnow
from marketplace.errors import KesherError, NotFound
from marketplace.health.models import HealthReport, HealthSalt, PendingHealthUpload
from pricing.health import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEZONE,
    ExportError,
    ExportFormat,
    Limits,
    ParsedExport,
    analyse,
    parse_export,
    what_is_kept,
)
from pricing.health import HealthReport as Report
from pricing.health.pack import pack_export, unpack_export
from pricing.taxonomy import EvidenceTier, InteractionMode, MetricKind, Platform

#: How long the anonymised rows of an upload wait for the owner's confirmation.
PENDING_LIFETIME = timedelta(hours=1)
#: Bytes of each community's salt (the engine needs at least 16).
SALT_BYTES = 32

#: The channels each kind of export can describe (the export's platform → the asset's).
FITS: dict[Platform, frozenset[Platform]] = {
    Platform.WHATSAPP_GROUP: frozenset({Platform.WHATSAPP_GROUP, Platform.WHATSAPP_COMMUNITY}),
    Platform.TELEGRAM_GROUP: frozenset({Platform.TELEGRAM_GROUP}),
    Platform.TELEGRAM_CHANNEL: frozenset({Platform.TELEGRAM_CHANNEL}),
    Platform.FACEBOOK_GROUP: frozenset({Platform.FACEBOOK_GROUP}),
}
#: Channels an owner can upload an export for.
EXPORTABLE = frozenset().union(*FITS.values())

#: The source written on every figure an export proves, by the export's platform.
SOURCES = {
    Platform.WHATSAPP_GROUP: _l("Derived from a WhatsApp export"),
    Platform.TELEGRAM_GROUP: _l("Derived from a Telegram export"),
    Platform.TELEGRAM_CHANNEL: _l("Derived from a Telegram export"),
    Platform.FACEBOOK_GROUP: _l("Derived from a Facebook export"),
}

#: What each refusal of the engine means for the owner, and what to upload instead.
REFUSALS = {
    "not_an_export": _l(
        "This file is not a chat export. Upload a WhatsApp “Export chat” file (.txt, or the "
        ".zip it comes in), a Telegram Desktop export (result.json, or the .zip of an HTML "
        "export), or a Facebook group insights export (.csv or .xlsx)."
    ),
    "unknown_layout": _l(
        "This looks like a chat log, but not in a layout Kesher reads. Upload the file exactly "
        "as WhatsApp or Telegram Desktop exported it, without editing it."
    ),
    "several_exports": _l(
        "This file holds the exports of more than one chat (the details below say which). "
        "Kesher measures one group or channel at a time: upload each chat's own export on its "
        "channel's page."
    ),
    "unknown_language": _l(
        "This WhatsApp export is in a language Kesher does not read yet. Export the chat again "
        "with the phone set to Hebrew or English."
    ),
    "not_a_community": _l(
        "This is a personal or bot chat, not a community. Export the group or channel itself."
    ),
    "empty_export": _l(
        "The export is empty: it holds no messages. Export a chat that has conversation in it."
    ),
    "truncated_file": _l(
        "The file ends in the middle: the export or the upload was interrupted. Export it "
        "again and upload the whole file."
    ),
    "wrong_columns": _l(
        "This spreadsheet does not have the columns of a Facebook group insights export: a date "
        "column and daily figures such as total members, posts and comments."
    ),
    "bad_value": _l(
        "A date, time or number in the export cannot be read (the place is named below). "
        "Upload the file exactly as it was exported."
    ),
    "file_too_large": _l(
        "The file is over the size limit. Export the chat without media, or a shorter period."
    ),
    "zip_bomb": _l(
        "This archive would expand far beyond its size, so it was not opened. Upload the "
        "chat's .txt file, or the .zip exactly as WhatsApp made it."
    ),
    "bad_archive": _l(
        "The .zip is damaged, encrypted, or holds no chat file. Upload the chat's .txt "
        "(WhatsApp) or result.json (Telegram)."
    ),
}

#: The score's components, in the owner's words.
COMPONENT_LABELS = {
    "active_share": _l("Active members"),
    "member_content": _l("Content by members"),
    "conversation": _l("Conversation between members"),
    "activity": _l("Activity"),
    "responsiveness": _l("Responsiveness"),
    "breadth": _l("Breadth of voices"),
    "retention": _l("Retention"),
    "growth": _l("Growth"),
    "read_rate": _l("Read rate"),
    "reactions_per_view": _l("Reactions per view"),
    "comments_per_post": _l("Comments per post"),
    "reactions_per_post": _l("Reactions per post"),
}
#: What each component measures, and what earns it full marks.
COMPONENT_HELP = {
    "active_share": _l("Share of members who wrote or reacted in the period; 30% and above → 100."),
    "member_content": _l("Messages written by members rather than admins; 80% and above → 100."),
    "conversation": _l("Replies between members, out of all replies; 50% and above → 100."),
    "activity": _l("Messages a day, on a log scale; 50 a day or more → 100."),
    "responsiveness": _l("Conversations answered within a day, and how fast; 15 minutes → full."),
    "breadth": _l("How evenly messages spread among the people who write."),
    "retention": _l("Active members of the previous period active again; 60% and above → 100."),
    "growth": _l("Net growth over 30 days: −5% → 0, flat → 50, +5% → 100."),
    "read_rate": _l("Views per post out of members; 40% and above → 100."),
    "reactions_per_view": _l("Reactions out of views; 5% and above → 100."),
    "comments_per_post": _l("Comments per post; 3 or more → 100."),
    "reactions_per_post": _l("Reactions per post; 10 or more → 100."),
}
#: Components whose figure is a share (shown as a percentage).
SHARE_COMPONENTS = frozenset(
    {"active_share", "member_content", "conversation", "responsiveness", "retention", "growth",
     "read_rate", "reactions_per_view"}
)  # fmt: skip
PENALTY_LABELS = {
    "join_burst": _l("Bursts of joins"),
    "bot_like": _l("Bot-like posting"),
    "dominant_author": _l("One member dominates the chat"),
}
#: The kinds of stored events, counted on the preview in the owner's words (not "join: 3").
EVENT_KIND_LABELS = {
    "message": _l("Messages"),
    "media": _l("Media items"),
    "deleted": _l("Deleted messages"),
    "join": _l("Members joining"),
    "leave": _l("Members leaving"),
    "system": _l("System lines"),
    "reaction": _l("Reactions"),
    "channel_post": _l("Channel posts"),
}
#: The stored columns, explained in the owner's words (the engine's own text is English).
COLUMN_LABELS = {
    "msg_id": _l("Position of the event in the export (Telegram: the message number)."),
    "author": _l("A salted hash of the person, never the name or phone number; empty for "
                 "system lines."),
    "ts": _l("When it happened, in UTC."),
    "kind": _l("Message, media, deleted, join, leave, system, reaction or channel post."),
    "reply_to": _l("The event this one answers (Telegram only)."),
    "reactions": _l("How many reactions it received."),
    "views": _l("How many views a channel post had, when the export says."),
    "forwarded": _l("Whether it was forwarded from elsewhere."),
    "date": _l("The day (UTC)."),
    "members": _l("Total members that day."),
    "joins": _l("Members who joined that day."),
    "leaves": _l("Members who left that day."),
    "posts": _l("Posts that day."),
    "comments": _l("Comments that day."),
    "active_members": _l("Active members that day, as Facebook counts them."),
}  # fmt: skip
FORMAT_LABELS = {
    ExportFormat.WHATSAPP_ANDROID.value: _l("WhatsApp (Android)"),
    ExportFormat.WHATSAPP_IOS.value: _l("WhatsApp (iPhone)"),
    ExportFormat.TELEGRAM_JSON.value: _l("Telegram Desktop (JSON)"),
    ExportFormat.TELEGRAM_HTML.value: _l("Telegram Desktop (HTML)"),
    ExportFormat.FACEBOOK_CSV.value: _l("Facebook group insights (CSV)"),
    ExportFormat.FACEBOOK_XLSX.value: _l("Facebook group insights (Excel)"),
}


class ExportRefused(KesherError):
    """An upload is not an export Kesher reads, or not of this channel; nothing was kept."""

    status_code = 422
    code = "export_refused"
    default_message = _l("This file cannot be read as a chat export.")

    def __init__(self, message: str, *, reason: str, detail: str = "") -> None:
        super().__init__(message)
        #: The engine's stable code (`truncated_file`, `zip_bomb` …) or `wrong_platform`.
        self.reason = reason
        #: The engine's own sentence (English), with the line or row where there is one.
        self.detail = detail

    @classmethod
    def from_error(cls, error: ExportError) -> ExportRefused:
        """Translate the engine's refusal, keeping its precise sentence as the detail."""
        message = REFUSALS.get(getattr(error, "refusal", error.code), cls.default_message)
        return cls(str(message), reason=error.code, detail=str(error))


class UploadGone(NotFound):
    """The upload's preview expired, was confirmed or discarded, or is someone else's."""

    code = "upload_gone"
    default_message = _l(
        "This preview is no longer available: it expired after an hour, or was already "
        "confirmed or discarded. Upload the export again."
    )


# --- the per-community salt ----------------------------------------------------------------


def stored_salt(session: SessionLike, community_id: int) -> HealthSalt | None:
    """The salt that keys this community's hashes, if it has had an upload."""
    return session.get(HealthSalt, community_id)


# --- analysis ------------------------------------------------------------------------------


def analyse_export(parsed: ParsedExport, members: int | None) -> Report:
    """Analyse a parsed export; an export with nothing to measure is refused like a bad file."""
    try:
        return analyse(parsed, members=members)
    except ValueError as error:
        raise ExportRefused(
            str(REFUSALS["empty_export"]), reason="empty_export", detail=str(error)
        ) from None


def analyse_file(
    data: bytes,
    filename: str,
    *,
    members: int | None = None,
    admin_names: Iterable[str] = (),
    timezone: str = DEFAULT_TIMEZONE,
    limits: Limits = DEFAULT_LIMITS,
) -> Report:
    """Analyse one file with a throwaway salt (the command line); raises ExportError."""
    parsed = parse_export(
        data,
        filename,
        salt=secrets.token_bytes(SALT_BYTES),
        admin_names=admin_names,
        timezone=timezone,
        limits=limits,
    )
    return analyse(parsed, members=members)


def evidence_metrics(report: Report) -> dict[MetricKind, float]:
    """The catalog figures an export proves.

    Members only when the export counts them itself (Facebook): a count the owner typed is not
    evidence, and a chat's people seen are a lower bound that would overwrite the real size.
    """
    figures = report.metric_snapshot()
    if report.members_source != "export":
        figures.pop(MetricKind.MEMBERS, None)
    return figures


def held_back(asset: ChannelAsset, figures: dict[MetricKind, float]) -> dict[str, dict[str, float]]:
    """The figures that moved more than the catalog accepts from the channel's last ones, by
    kind: they are not added to its history (a short export of a large group shows a few
    writers against thousands of active members), so an inflated figure never gets in either.
    """
    held: dict[str, dict[str, float]] = {}
    for kind, value in figures.items():
        moved = catalog.metric_jump(asset, kind, value)
        if moved is not None:
            held[kind.value] = {"value": value, "previous": moved[1], "times": moved[0]}
    return held


def held_back_messages(held: dict[str, dict[str, float]], days: int) -> list[str]:
    """Say, per held-back figure, why it was left out and what to do instead."""
    return [
        str(
            _l(
                "%(figure)s: %(value)s is %(times)s× the channel's last figure (%(previous)s), "
                "more than one export may move it, so it is not added to the history. Upload "
                "an export that covers at least the last %(days)s days, or ask agency staff to "
                "check the last figure.",
                figure=vocab.METRICS[MetricKind(kind)],
                value=f"{figure['value']:,.4g}",
                times=f"{figure['times']:.0f}",
                previous=f"{figure['previous']:,.4g}",
                days=days,
            )
        )
        for kind, figure in held.items()
    ]


def report_period(parsed: ParsedExport, report: Report) -> tuple[date, date]:
    """The days the headline figures describe (from the export's start when it is shorter)."""
    figures = report.headline.figures
    start = figures.start
    span = parsed.span()
    if span is not None and span[0] > start:
        start = span[0]
    return start.date(), figures.end.date()


# --- the two steps -------------------------------------------------------------------------


def _check_fits(parsed: ParsedExport, asset: ChannelAsset) -> None:
    if asset.platform not in FITS.get(parsed.platform, frozenset()):
        message = _l(
            "This is an export of a %(found)s, but this channel is a %(asset)s. Upload the "
            "export of this channel.",
            found=vocab.PLATFORMS[parsed.platform],
            asset=vocab.PLATFORMS[asset.platform],
        )
        raise ExportRefused(str(message), reason="wrong_platform")


def preview_export(
    session: SessionLike,
    asset: ChannelAsset,
    data: bytes,
    filename: str,
    *,
    actor: User,
    admin_names: Iterable[str] = (),
    members: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> PendingHealthUpload:
    """Read an upload in memory and keep only its anonymised rows until the owner confirms.

    `members` is the community's size as the owner gives it; when None, a Facebook export's own
    count is used, and for a chat the channel's listed size (a chat export only shows those who
    wrote). Raises ExportRefused, having added nothing to the session, when the file is not an
    export Kesher reads or is not of this kind of channel.
    """
    community = asset.community
    if not catalog.can_manage(actor, community):
        raise NotFound()
    catalog.require_confirmed_unless_draft(actor, community)  # its figures would show
    now = now or utcnow()
    purge_expired(session, now=now)
    salt = stored_salt(session, community.id)
    key = salt.salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    try:
        parsed = parse_export(data, filename, salt=key, admin_names=admin_names, limits=limits)
    except ExportError as error:
        raise ExportRefused.from_error(error) from None
    _check_fits(parsed, asset)
    if members is None and not parsed.is_aggregate and asset.size > 0:
        members = asset.size
    report = analyse_export(parsed, members)
    start, end = report_period(parsed, report)
    figures = evidence_metrics(report)
    if salt is None:  # only now that the file proved to be an export
        session.add(HealthSalt(community_id=community.id, salt=key))
    pending = PendingHealthUpload(
        asset_id=asset.id,
        created_by_id=actor.id,
        expires_at=now + PENDING_LIFETIME,
        source_format=parsed.source.value,
        members=members,
        kept=what_is_kept(parsed),
        preview={
            "report": report.to_dict(),
            "figures": {kind.value: value for kind, value in figures.items()},
            "period": [start.isoformat(), end.isoformat()],
            "held_back": held_back(asset, figures),
        },
        data=pack_export(parsed),
    )
    session.add(pending)
    session.flush()
    return pending


def get_pending(
    session: SessionLike, pending_id: int, user: User, *, now: datetime | None = None
) -> PendingHealthUpload:
    """Load an upload awaiting confirmation: only its uploader's, only while it is fresh."""
    pending = session.get(PendingHealthUpload, pending_id)
    if pending is None or pending.created_by_id != user.id:
        raise UploadGone()
    if pending.expires_at <= (now or utcnow()):
        raise UploadGone()
    catalog.get_asset(session, pending.asset_id, user)  # still one of theirs to manage
    return pending


def confirm_export(
    session: SessionLike,
    pending: PendingHealthUpload,
    *,
    actor: User,
    now: datetime | None = None,
) -> HealthReport:
    """Store the report and add its figures to the channel's history, then drop the rows.

    A figure that moved more than the catalog accepts from the channel's last one (a 50×
    jump) is held back: not added to the history, listed in the stored report's `held_back`
    (`held_back_messages` says why and what to do), while the report and the other figures are
    kept. Raises CatalogValidationError, naming each figure, when the catalog refuses one for
    another reason (more members than the platform allows); the caller rolls back.
    """
    if pending.created_by_id != actor.id or pending.expires_at <= (now or utcnow()):
        raise UploadGone()
    asset = pending.asset
    if not catalog.can_manage(actor, asset.community):
        raise NotFound()
    catalog.require_confirmed_unless_draft(actor, asset.community)
    parsed = unpack_export(pending.data)
    report = analyse_export(parsed, pending.members)
    start, end = report_period(parsed, report)
    figures = evidence_metrics(report)
    held = held_back(asset, figures)
    stored = HealthReport(
        asset_id=asset.id,
        created_by_id=actor.id,
        period_start=start,
        period_end=end,
        source_format=parsed.source.value,
        score=float(report.score),
        interaction_mode=report.interaction_mode.value,
        report={**report.to_dict(), "held_back": held},
    )
    session.add(stored)
    source = str(SOURCES[parsed.platform])
    problems: list[tuple[str, str]] = []
    for kind, value in figures.items():
        if kind.value in held:
            continue
        try:
            catalog.record_metric(
                session, asset, kind, value, actor=actor, observed_on=end, source=source,
                tier=EvidenceTier.EXPORT, period=(start, end),
            )  # fmt: skip
        except CatalogValidationError as error:
            problems.extend(
                (kind.value, f"{vocab.METRICS[kind]}: {message}") for _f, message in error.problems
            )
    if problems:
        raise CatalogValidationError(problems)
    session.delete(pending)
    session.flush()
    return stored


def discard_export(session: SessionLike, pending: PendingHealthUpload, *, actor: User) -> None:
    """Drop an upload's anonymised rows without keeping anything."""
    if pending.created_by_id != actor.id:
        raise UploadGone()
    session.delete(pending)
    session.flush()


def purge_expired(session: SessionLike, *, now: datetime | None = None) -> int:
    """Delete the anonymised rows of every upload left unconfirmed past its hour."""
    result = session.execute(
        delete(PendingHealthUpload).where(PendingHealthUpload.expires_at <= (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- showing a report ----------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentRow:
    """One line of a score's explanation."""

    name: str
    label: str
    help: str
    weight: int
    value: float | None
    is_share: bool
    mark: float | None
    points: float


@dataclass(frozen=True)
class HealthSummary:
    """A report's headline, ready for a template."""

    score: int
    band: str | None
    interaction_mode: InteractionMode
    source_format: str
    period_start: date | None
    period_end: date | None
    components: list[ComponentRow]
    penalties: list[tuple[str, int]]
    notes: list[str]


def summarise(report: dict[str, Any], *, period: tuple[date, date] | None = None) -> HealthSummary:
    """Turn a stored report (`HealthReport.to_dict()`) into the rows the pages show."""
    headline = report["periods"][0]
    score = headline["score"]
    components = [
        ComponentRow(
            name=c["name"],
            label=str(COMPONENT_LABELS.get(c["name"], c["name"])),
            help=str(COMPONENT_HELP.get(c["name"], c["rule"])),
            weight=int(c["weight"]),
            value=c["value"],
            is_share=c["name"] in SHARE_COMPONENTS,
            mark=c["score"],
            points=float(c["points"]),
        )
        for c in score["components"]
    ]
    penalties = [
        (str(PENALTY_LABELS.get(p["kind"], p["kind"])), int(p["points"]))
        for p in score["penalties"]
    ]
    return HealthSummary(
        score=int(report["score"]),
        band=catalog.band(int(report["score"]), vocab.HEALTH_BANDS),
        interaction_mode=InteractionMode(report["interaction_mode"]),
        source_format=str(FORMAT_LABELS.get(report["source"], report["source"])),
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        components=components,
        penalties=penalties,
        notes=list(report.get("notes", [])),
    )


def summarise_stored(stored: HealthReport) -> HealthSummary:
    """The summary of a confirmed report, with the period it covers."""
    return summarise(stored.report, period=(stored.period_start, stored.period_end))


def latest_reports(session: SessionLike, asset_ids: Iterable[int]) -> dict[int, HealthReport]:
    """The newest confirmed report of each asset (by the period it covers, then by entry)."""
    ids = list(asset_ids)
    if not ids:
        return {}
    latest: dict[int, HealthReport] = {}
    for stored in session.scalars(
        select(HealthReport)
        .where(HealthReport.asset_id.in_(ids))
        .order_by(HealthReport.asset_id, HealthReport.period_end, HealthReport.id)
    ):
        latest[stored.asset_id] = stored
    return latest
