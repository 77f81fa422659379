"""The campaign report: the page's figures and charts, its PDF, and the data exports.

Everything here reads a :class:`~marketplace.reports.services.CampaignResults` already scoped
to the reader; nothing queries the database. Words come from the translations, so the same
code writes the Hebrew and the English report (``force_locale`` for the PDF).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from campaigns.results import RESULT_METRICS, KpiResult
from marketplace import spreadsheet
from marketplace.catalog.charts import bars, ranges, sparkline
from marketplace.documents.pdf import (
    Document,
    Footer,
    Heading,
    KeyValues,
    Language,
    Paragraph,
    Table,
)
from marketplace.i18n import format_money, format_number
from marketplace.reports.forms import METRIC_LABELS
from marketplace.reports.services import CampaignResults


def known(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def whole(value: Any) -> int | None:
    return int(value) if known(value) else None


def number(value: Any) -> str:
    return format_number(int(value)) if known(value) else "—"


def kpi_labels() -> dict[str, str]:
    return {
        "reach": _("Reach"), "impressions": _("Impressions"), "engagements": _("Engagements"),
        "clicks": _("Clicks"), "leads": _("Leads"), "sales": _("Sales"),
        "signups": _("Sign-ups"), "survey_responses": _("Survey responses"),
        "participants": _("Participants"), "engagement_rate": _("Engagement rate"),
        "activity_rate": _("Activity rate"),
    }  # fmt: skip


def kpi_rows(kpis: Sequence[KpiResult]) -> list[dict[str, Any]]:
    """Each KPI with its target, what was achieved and whether it was met, as text."""
    labels = kpi_labels()
    rows = []
    for k in kpis:
        if k.is_rate:
            target = f"{k.target / 100:.1f}%"
            actual = f"{k.actual / 100:.1f}%" if k.actual is not None else "—"
        else:
            target, actual = format_number(k.target), number(k.actual)
        state = _("Not measured yet") if k.met is None else (_("Met") if k.met else _("Not met"))
        rows.append(
            {"kind": k.kind.value, "label": labels.get(k.kind.value, k.kind.value),
             "target": target, "actual": actual, "met": k.met, "state": state,
             "share": None if k.share is None else round(k.share * 100)}
        )  # fmt: skip
    return rows


def summary_text(results: CampaignResults) -> str:
    """The executive summary in one paragraph, from the totals only."""
    t = results.totals
    parts = [
        _(
            "%(placements)s placements in %(communities)s communities.",
            placements=format_number(int(t["placements"])),
            communities=format_number(len(results.community_names)),
        )
    ]
    if known(t.get("reach")):
        parts.append(_("They reached %(reach)s people.", reach=number(t["reach"])))
        if known(t.get("est_reach_p50")) and t["est_reach_p50"]:
            parts.append(
                _(
                    "The estimate before the campaign was %(estimate)s (%(share)s%% of it "
                    "realised).",
                    estimate=number(t["est_reach_p50"]),
                    share=format_number(round(t["reach"] / t["est_reach_p50"] * 100)),
                )
            )
    else:
        parts.append(_("No reach has been recorded yet."))
    if known(t.get("clicks")):
        parts.append(_("%(clicks)s clicks on the tracked links.", clicks=number(t["clicks"])))
    met = [k for k in results.kpis if k.met]
    measured = [k for k in results.kpis if k.met is not None]
    if results.kpis:
        parts.append(
            _(
                "%(met)s of %(measured)s measured goals met.",
                met=format_number(len(met)),
                measured=format_number(len(measured)),
            )
        )
    if bool(t.get("self_reported")):
        parts.append(_("Some figures are self-reported by the community owners."))
    return " ".join(parts)


def key_figures(results: CampaignResults) -> list[tuple[str, str, str]]:
    """The summary's figures as (key, label, text), only those the reader may see."""
    t = results.totals
    currency = results.campaign.brief.currency
    rows = [
        ("reach", _("Reach"), number(t.get("reach"))),
        ("estimate", _("Estimated reach (P50)"), number(t.get("est_reach_p50"))),
        ("clicks", _("Clicks"), number(t.get("clicks"))),
        ("conversions", _("Conversions"), number(t.get("conversions"))),
    ]
    for key, label in (
        ("cost_minor", _("Cost")),
        ("cost_per_result_minor", _("Cost per result")),
        ("margin_minor", _("Agreed margin")),
        ("realised_margin_minor", _("Realised margin")),
    ):
        if known(t.get(key)):
            rows.append((key, label, format_money(int(t[key]), currency)))
    if known(t.get("coverage")):
        rows.append(
            ("coverage", _("Estimates whose P10–P90 range held"), f"{round(t['coverage'] * 100)}%")
        )
    return rows


def html_label(results: CampaignResults, pid: int) -> Markup:
    """A placement's label for a page: the community's name isolated, so a Hebrew name does not
    turn an English label right to left ("Facebook group · · ציידי…"), nor an English name a
    Hebrew one."""
    if pid not in results.label_parts:
        return Markup("%s") % results.labels.get(pid, str(pid))
    name, kind = results.label_parts[pid]
    return Markup("<bdi>%s</bdi> · %s") % (name, kind)


def charts(results: CampaignResults, platform_labels: dict[str, str]) -> dict[str, Any]:
    """Geometry of the report's SVG charts: reach by community and channel, estimate ranges."""
    by_community = results.by_community
    community_bars = bars(
        [
            (results.community_names.get(int(r.community_id), str(r.community_id)), float(r.reach))
            for r in by_community.itertuples()
            if known(r.reach)
        ]
    )
    channel_bars = bars(
        [
            (platform_labels.get(str(r.platform), str(r.platform)), float(r.reach))
            for r in results.by_channel.itertuples()
            if known(r.reach)
        ]
    )
    per = results.per_placement
    estimate_rows = ranges(
        [
            (
                html_label(results, int(r.placement_id)),
                float(r.est_reach_p10),
                float(r.est_reach_p50),
                float(r.est_reach_p90),
                float(r.reach) if known(r.reach) else None,
            )
            for r in per.itertuples()
            if known(r.est_reach_p10) and known(r.est_reach_p90)
        ]
    )
    days = sorted(moment.date() for moment in results.posted_at)
    running = [float(i + 1) for i in range(len(days))]
    delivery = sparkline(running) if days else None
    return {
        "community": community_bars,
        "channel": channel_bars,
        "ranges": estimate_rows,
        "delivery": delivery,
        "delivery_span": (days[0], days[-1], len(days)) if days else None,
    }


def placement_rows(results: CampaignResults) -> list[dict[str, Any]]:
    """One row per placement for the page: figures with their evidence tier, clicks, range."""
    per = results.per_placement
    rows = []
    for r in per.to_dict("records"):
        pid = int(r["placement_id"])
        rows.append(
            {
                "id": pid,
                "label": results.labels.get(pid, str(pid)),
                "html_label": html_label(results, pid),
                "planned": whole(r["planned"]),
                "delivered": whole(r["delivered"]),
                "figures": {
                    m.value: (whole(r[m.value]), whole(r[f"tier_{m.value}"]))
                    for m in RESULT_METRICS
                },
                "clicks": whole(r["clicks"]),
                "unique_clicks": whole(r["unique_clicks"]),
                # Counted, so never refused like an uploaded figure: flagged for a look instead.
                "clicks_suspect": bool(r.get("clicks_suspect", False)),
                "clicks_ceiling": whole(r.get("clicks_ceiling")),
                "members": whole(r.get("members")),
                "range": (whole(r["est_reach_p10"]), whole(r["est_reach_p90"])),
                "in_range": None if not known(r["in_range"]) else bool(r["in_range"]),
                "self_reported": bool(r["self_reported"]),
                "cost_per_result_minor": whole(r.get("cost_per_result_minor")),
                "owner_payout_minor": whole(r.get("owner_payout_minor")),
                "realised_margin_minor": whole(r.get("realised_margin_minor")),
            }
        )
    return rows


# --- exports ------------------------------------------------------------------------------

#: The export's columns, in order (those the reader may not see are left out).
EXPORT_COLUMNS = (
    "placement_id", "community_id", "platform", "planned", "delivered",
    *(m.value for m in RESULT_METRICS), "lowest_tier", "self_reported", "engagements", "clicks",
    "unique_clicks", "clicks_suspect", "conversions", "cost_minor", "owner_payout_minor",
    "realised_margin_minor", "cost_per_click_minor", "cost_per_result_minor", "est_reach_p10",
    "est_reach_p50", "est_reach_p90", "in_range", "realised_value_minor",
)  # fmt: skip


def export_table(results: CampaignResults) -> tuple[list[str], list[list[Any]]]:
    """The per-placement data as the reader may see it, with each placement's label."""
    per = results.per_placement
    columns = [c for c in EXPORT_COLUMNS if c in per.columns]
    header = ["label", *columns]
    rows = []
    for record in per[columns].to_dict("records"):
        label = results.labels.get(int(record["placement_id"]), "")
        rows.append([label, *(_cell(record[c]) for c in columns)])
    return header, rows


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else (int(value) if value.is_integer() else value)
    if pd.isna(value):
        return None
    return value


def export_csv(results: CampaignResults) -> bytes:
    header, rows = export_table(results)
    return spreadsheet.write_csv(header, rows)


def export_xlsx(results: CampaignResults) -> bytes:
    header, rows = export_table(results)
    return spreadsheet.write_xlsx(header, rows, title="results")


# --- the PDF ------------------------------------------------------------------------------


def pdf_document(
    results: CampaignResults,
    language: str,
    *,
    picks: Sequence[tuple[str, str]] = (),
    platform_labels: dict[str, str] | None = None,
) -> Document:
    """The report as a document in `language` ("he" or "en"), from the reader's results."""
    lang: Language = "en" if language == "en" else "he"
    brief = results.campaign.brief
    with force_locale(lang):
        figures = [(_("Placements"), number(results.totals["placements"]))]
        figures += [(label, text) for _key, label, text in key_figures(results)]
        blocks: list[Any] = [
            Paragraph(summary_text(results)),
            KeyValues(figures),
        ]
        kpis = kpi_rows(results.kpis)
        if kpis:
            blocks += [
                Heading(_("Goals of the brief")),
                Table(
                    header=[_("Goal"), _("Target"), _("Achieved"), _("State")],
                    rows=[[k["label"], k["target"], k["actual"], k["state"]] for k in kpis],
                    align=["start", "end", "end", "start"],
                ),
            ]
        labels = platform_labels or {}
        names = results.community_names
        blocks += [
            Heading(_("Results by community")),
            _breakdown_table(
                _("Community"),
                results.by_community.itertuples(),
                lambda r: names.get(int(r.community_id), str(r.community_id)),
            ),
            Heading(_("Results by channel")),
            _breakdown_table(
                _("Channel"),
                results.by_channel.itertuples(),
                lambda r: labels.get(str(r.platform), str(r.platform)),
            ),
            Heading(_("Estimate and result per placement")),
            Table(
                header=[_("Placement"), _("Estimate P10–P90"), _("Reach"), _("In range")],
                rows=[
                    [
                        row["label"] + (" *" if row["self_reported"] else ""),
                        f"{number(row['range'][0])}–{number(row['range'][1])}",
                        number(row["figures"]["reach"][0]),
                        "—"
                        if row["in_range"] is None
                        else (_("Yes") if row["in_range"] else _("No")),
                    ]
                    for row in placement_rows(results)
                ],  # fmt: skip
                align=["start", "end", "end", "start"],
                widths=[0.46, 0.22, 0.16, 0.16],
            ),
            Paragraph(_("* Self-reported by the community owner.")),
        ]
        highlights = [text for kind, text in picks if kind == "highlight"]
        quotes = [text for kind, text in picks if kind == "quote"]
        if highlights:
            blocks.append(Heading(_("Highlights")))
            blocks += [Paragraph(f"• {text}") for text in highlights]
        if quotes:
            blocks.append(Heading(_("From the members")))
            blocks += [Paragraph(f"“{text}”") for text in quotes]
        blocks.append(Footer(_("Kesher campaign report")))
        title = _("Campaign report: %(title)s", title=brief.title or str(brief.id))
    return Document(title=title, language=lang, blocks=tuple(blocks))


def _breakdown_table(first: str, rows: Iterable[Any], name: Callable[[Any], str]) -> Table:
    """Reach, clicks and engagements by community or by channel: one row per group, named."""
    return Table(
        header=[first, _("Reach"), _("Clicks"), _("Engagements")],
        rows=[[name(r), number(r.reach), number(r.clicks), number(r.engagements)] for r in rows],
        align=["start", "end", "end", "end"],
    )


def metric_label(name: str) -> str:
    return str(METRIC_LABELS.get(name, name))
