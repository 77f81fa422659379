"""`flask --app marketplace match BRIEF.json --top 20 [--json]`: rank the catalog for a brief."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from campaigns.brief import BriefInvalid, brief_to_dict, kpi_warnings, parse_brief
from campaigns.matching import rank
from campaigns.planning import (
    Reason,
    constraints_of,
    describe_constraints,
    judge,
)
from marketplace.catalog.vocab import TOPICS
from marketplace.extensions import db
from marketplace.matching import sentences
from marketplace.matching.records import catalog_features, plan_profile


@click.command("match")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--lang", type=click.Choice(["he", "en"]), default="en", show_default=True,
              help="Language of the explanations in the table output.")  # fmt: skip
def match_command(path: Path, top: int, as_json: bool, lang: str) -> None:
    """Rank the listed communities for the brief in PATH (the format is docs/briefs.md)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{path.name} is not UTF-8 JSON: {error}") from error
    try:
        # Ranking needs no future dates (submitting a brief does): a past flight is a warning.
        spec = parse_brief(data, topics=frozenset(TOPICS))
    except BriefInvalid as error:
        lines = "\n".join(f"  {p.field}: {p.message} [{p.code}]" for p in error.problems)
        raise click.ClickException(f"the brief in {path.name} has problems:\n{lines}") from error
    features = catalog_features(db.session)
    result = rank(spec, features, top=top)
    # The plan's rules (places, languages, audience): a ranked community they keep out is
    # named here, because the optimiser will not buy it (docs/planning.md).
    rules = constraints_of(spec)
    records = {r.id: r for r in features.records}
    refused: dict[int, Reason] = {}
    for row in result.rows:
        verdict = judge(rules, plan_profile(records[row.community_id]), row.name)
        if verdict.reason is not None:
            refused[row.community_id] = verdict.reason
    warnings: list[dict[str, Any]] = [
        {"field": w.field, "code": w.code, "message": w.message} for w in kpi_warnings(spec)
    ]
    if spec.starts_on is not None and spec.starts_on < dt.date.today():
        warnings.append({"field": "starts_on", "code": "in_the_past",
                         "message": "the flight starts in the past"})  # fmt: skip
    if spec.result_worth_minor is None:
        warnings.append({"field": "result_worth_minor", "code": "worth_not_said",
                         "message": "no worth per result: the outcome lens prices a result at "
                         "what a paid one costs"})  # fmt: skip
    for community_id, reason in refused.items():
        warnings.append({"field": "plan", "code": reason.code.value, "community_id": community_id,
                         "message": sentences.refusal(reason, spec.currency, "en")})  # fmt: skip
    if as_json:
        payload = {
            "brief": brief_to_dict(spec),
            "plan_rules": {
                "cities": list(rules.cities),
                "regions": list(rules.regions),
                "languages": list(rules.languages),
                "audience": {d: list(b) for d, b in rules.audience.items()},
                "en": describe_constraints(rules, "en"),
                "he": describe_constraints(rules, "he"),
            },
            "warnings": warnings,
            **sentences.result_dict(result, spec.currency),
        }
        for row in payload["rows"]:
            out = refused.get(row["community_id"])
            row["plan_refused"] = None if out is None else {
                "code": out.code.value,
                "en": sentences.refusal(out, spec.currency, "en"),
                "he": sentences.refusal(out, spec.currency, "he"),
            }  # fmt: skip
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for warning in warnings:
        if warning["field"] != "plan":
            click.echo(f"warning: {warning['field']}: {warning['message']}")
    click.echo(f"plan rules: {describe_constraints(rules, lang)}")
    click.echo(f"{result.eligible:,} of {result.total:,} listed communities pass the brief's gates")
    if result.diagnosis is not None:
        # In the money format of `lang`, as the brief's page and the API write it.
        click.echo(sentences.diagnosed(result.diagnosis, spec.currency, lang))
        for suggestion in result.diagnosis.suggestions:
            click.echo(f"  - {sentences.advise(suggestion, spec.currency, lang)}")
    for row in result.rows:
        click.echo(f"{row.rank:>3}. {row.score:.3f}  #{row.community_id}  {row.name}")
        if row.community_id in refused:
            refusal = sentences.refusal(refused[row.community_id], spec.currency, lang)
            click.echo(f"       warning: {refusal}")
        for explanation in row.explanations:
            click.echo(f"       {explanation.component}: "
                       f"{sentences.why(explanation, spec.currency, lang)}")  # fmt: skip


@click.command("match-features")
@click.option(
    "--full",
    is_flag=True,
    help="Count every community again instead of only those changed since the last artifact.",
)
@with_appcontext
def match_features_command(full: bool) -> None:
    """Build and store the ranking features of the current catalog (run it after a deploy).

    What the ``matching.rebuild_features`` job does, in this process: web workers then load
    the stored features instead of building them on their first ranking.
    """
    import time

    from marketplace.matching.records import features_dir, rebuild_features

    start = time.perf_counter()
    directory = features_dir()
    rebuilt = rebuild_features(db.session, directory, full=full)
    db.session.rollback()
    how = "incremental" if rebuilt.incremental else "full"
    click.echo(
        f"{len(rebuilt.features):,} communities ({rebuilt.recounted:,} counted again, {how}), "
        f"catalog version {rebuilt.version}, "
        f"stored in {directory} in {time.perf_counter() - start:.1f} s"
    )
