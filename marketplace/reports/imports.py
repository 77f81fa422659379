"""Upload a campaign's figures (CSV or XLSX, Hebrew or English headers): check all, then write.

One row per placement: the campaign and placement ids (as the campaign's template file gives
them), the day the figures were read, their evidence tier, and any of the figures. The whole
file is checked first — every problem named by row and column — and written only when nothing
is wrong, in one transaction; the same file twice is refused by its digest. The columns are
documented in docs/delivery.md ("Metrics").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from campaigns.results import RESULT_METRICS, ResultMetric
from marketplace import spreadsheet
from marketplace.auth.models import User
from marketplace.catalog.columns import EVIDENCE_NAMES, fold
from marketplace.catalog.imports import ImportProblem, _dmy_date, _iso_date
from marketplace.db import SessionLike
from marketplace.deals.models import DealPlacement
from marketplace.reports import services
from marketplace.reports.models import MetricUpload
from marketplace.spreadsheet import shorten
from pricing.taxonomy import EvidenceTier

#: Largest metrics file accepted.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PROBLEMS = 200

#: canonical column → (English title, Hebrew title), in the order the template writes them.
COLUMNS: dict[str, tuple[str, str]] = {
    "campaign": ("Campaign", "קמפיין"),
    "placement": ("Placement", "מיקום"),
    "observed_on": ("Observed on", "תאריך מדידה"),
    "evidence": ("Evidence", "רמת ראיה"),
    "reach": ("Reach", "חשיפה"),
    "views": ("Views", "צפיות"),
    "reactions": ("Reactions", "תגובות רגש"),
    "comments": ("Comments", "תגובות"),
    "shares": ("Shares", "שיתופים"),
    "event_attendance": ("Event attendance", "השתתפות באירוע"),
    "survey_answers": ("Survey answers", "תשובות לסקר"),
    "leads": ("Leads", "לידים"),
    "sales": ("Sales", "מכירות"),
    "source": ("Source", "מקור"),
}
REQUIRED = ("campaign", "placement", "observed_on")
HEADERS = {
    fold(name): canonical for canonical, titles in COLUMNS.items() for name in (canonical, *titles)
}


@dataclass
class PlannedRow:
    placement: DealPlacement
    figures: dict[ResultMetric, int]
    tier: EvidenceTier
    observed_on: dt.date
    source: str


@dataclass
class UploadPlan:
    """What a file would write, or every problem that stops it."""

    sha256: str
    filename: str
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def plan_upload(
    session: SessionLike,
    brief_id: int,
    data: bytes,
    filename: str,
    *,
    actor: User,
    today: dt.date | None = None,
) -> UploadPlan:
    """Read and check a metrics file for campaign `brief_id` completely; write nothing."""
    today = today or dt.date.today()
    plan = UploadPlan(hashlib.sha256(data).hexdigest(), shorten(filename, 200))
    problems = plan.problems
    if len(data) > MAX_UPLOAD_BYTES:
        problems.append(ImportProblem(None, None, "The file is larger than 5 MB."))
        return plan
    try:
        sheet = spreadsheet.read_table(data, filename)
    except spreadsheet.SpreadsheetError as error:
        problems.append(ImportProblem(error.row, error.column, error.message))
        return plan
    columns: list[str | None] = []
    for position, title in enumerate(sheet.header):
        canonical = HEADERS.get(fold(title))
        if canonical is None and title.strip():
            where = shorten(title) or spreadsheet.column_letter(position + 1)
            problems.append(ImportProblem(1, where, "Unknown column: see docs/delivery.md."))
        elif canonical in columns:
            problems.append(ImportProblem(1, shorten(title), "The column appears twice."))
        columns.append(canonical)
    for required in REQUIRED:
        if required not in columns:
            problems.append(ImportProblem(1, COLUMNS[required][0], "Required column missing."))
    if problems:
        return plan
    if not sheet.rows:
        problems.append(ImportProblem(None, None, "The file has a header but no rows."))
        return plan
    visible = {p.id: p for p in session.scalars(services.placements_query(actor, brief_id))}
    seen: dict[int, int] = {}
    allowed = services.allowed_tiers(actor)
    for number, record in sheet.rows:
        row = {
            name: (record[i].strip() if i < len(record) else "")
            for i, name in enumerate(columns)
            if name is not None
        }

        def add(column: str | None, message: str, number: int = number) -> None:
            label = COLUMNS[column][0] if column in COLUMNS else column
            problems.append(ImportProblem(number, label, message))

        campaign = row.get("campaign", "")
        if campaign != str(brief_id):
            add("campaign", f"This row is for campaign “{shorten(campaign)}”, not campaign "
                            f"{brief_id}: upload it on that campaign's page.")  # fmt: skip
            continue
        raw_id = row.get("placement", "")
        placement = visible.get(int(raw_id)) if raw_id.isdecimal() else None
        if placement is None:
            add("placement", f"There is no placement “{shorten(raw_id)}” of yours in this "
                             "campaign.")  # fmt: skip
            continue
        if placement.id in seen:
            add("placement", f"Placement {placement.id} is already on row {seen[placement.id]}.")
            continue
        seen[placement.id] = number
        observed = _day(row.get("observed_on", ""))
        if observed is None:
            add("observed_on", "is not a date; use YYYY-MM-DD or DD/MM/YYYY.")
        tier_name = row.get("evidence", "").lower() or EvidenceTier.SELF_REPORTED.slug
        tier = EVIDENCE_NAMES.get(tier_name)
        if tier is None:
            add("evidence", f"“{shorten(tier_name)}” is not an evidence tier: use one of "
                            f"{', '.join(EVIDENCE_NAMES)}.")  # fmt: skip
        figures: dict[ResultMetric, int] = {}
        for metric in RESULT_METRICS:
            raw = row.get(metric.value, "").replace(",", "")
            if not raw:
                continue
            if not raw.lstrip("-").isdecimal() or len(raw) > 15:
                add(metric.value, f"“{shorten(raw)}” is not a whole number.")
                continue
            figures[metric] = int(raw)
        if not figures:
            add(None, "The row gives no figure.")
        if observed is None or tier is None:
            continue
        if tier not in allowed:
            add("evidence", "Owners upload figures as self_reported; staff raise their tier.")
            continue
        for column, message in services.figure_problems(
            placement, figures, tier=tier, observed_on=observed, actor=actor, today=today
        ):
            add(column, message)
        plan.rows.append(PlannedRow(placement, figures, tier, observed, row.get("source", "")))
        if len(problems) >= MAX_PROBLEMS:
            break
    taken = session.scalar(
        select(MetricUpload.id).where(
            MetricUpload.brief_id == brief_id, MetricUpload.sha256 == plan.sha256
        )
    )
    if taken is not None:
        problems.insert(0, ImportProblem(None, None, "This file was already uploaded to this "
                                                     "campaign; nothing was saved."))  # fmt: skip
    return plan


def _day(raw: str) -> dt.date | None:
    return (_iso_date(raw) or _dmy_date(raw)) if raw else None


def apply_upload(
    session: SessionLike, brief_id: int, plan: UploadPlan, *, actor: User,
    today: dt.date | None = None,
) -> MetricUpload:  # fmt: skip
    """Write a checked plan in the caller's transaction (a plan with problems is refused)."""
    if not plan.ok:
        raise services.FiguresRefused([(None, str(p)) for p in plan.problems])
    upload = MetricUpload(
        brief_id=brief_id,
        sha256=plan.sha256,
        filename=plan.filename,
        figures=sum(len(r.figures) for r in plan.rows),
        created_by_id=actor.id,
    )
    session.add(upload)
    session.flush()
    for row in plan.rows:
        services.record_figures(
            session, row.placement, row.figures, tier=row.tier, observed_on=row.observed_on,
            actor=actor, source=row.source or plan.filename, upload=upload, today=today,
            recalibrate=False,
        )  # fmt: skip
    services.feed_calibration(
        session, [r.placement for r in plan.rows if ResultMetric.REACH in r.figures]
    )
    return upload


def template_rows(campaign: services.Campaign) -> tuple[list[str], list[list[str]]]:
    """The header and one row per placement: the file a reader fills in and uploads."""
    header = list(COLUMNS)
    rows = [
        [str(campaign.brief.id), str(p.id), "", EvidenceTier.SELF_REPORTED.slug]
        + [""] * (len(header) - 4)
        for p in campaign.placements
    ]
    return header, rows
