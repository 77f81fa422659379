"""The catalog read into matching records, and `flask match BRIEF.json` on a real database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db
from marketplace.matching.records import catalog_features, load_records
from pricing.taxonomy import PlacementType, Platform
from tests.factories import make_listing


def _listed(app: Flask, make_user: Any, names: list[str]) -> list[int]:
    owner, staff = make_user("owner"), make_user("staff")
    with app.app_context():
        me, agent = db.session.get(User, owner.id), db.session.get(User, staff.id)
        ids = []
        for name in names:
            listing = make_listing(db.session, me, name_he=name)
            catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
            catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=agent)
            ids.append(listing.community.id)
        make_listing(db.session, me, name_he="טיוטה שלא פורסמה")  # a draft: never matched
        db.session.commit()
        return ids


def test_listed_communities_become_records_with_offers_audience_and_engagement(
    app: Flask, make_user: Any
) -> None:
    ids = _listed(app, make_user, ["רצים בפארק", "רצות בבוקר"])
    with app.app_context():
        records = {r.id: r for r in load_records(db.session)}
    assert set(records) == set(ids)
    record = records[ids[0]]
    assert record.name == "רצים בפארק"
    assert record.platforms == (Platform.WHATSAPP_GROUP,)
    offer = record.offer(PlacementType.POST)
    assert offer is not None
    assert offer.rate_minor == 43_750  # the brand price: ₪350 + the 25% agency margin
    assert record.audience["gender"] == {"female": 6500, "male": 3500}
    # 310 active of 640 members (make_listing's figures).
    assert record.active_share is not None
    assert abs(record.active_share - 310 / 640) < 1e-9
    assert record.best_evidence >= 1


def test_features_are_rebuilt_only_when_the_catalog_changes(app: Flask, make_user: Any) -> None:
    ids = _listed(app, make_user, ["רצים בפארק"])
    with app.app_context():
        first = catalog_features(db.session)
        assert catalog_features(db.session) is first
    more = _listed(app, make_user, ["רוכבים בגליל"])
    with app.app_context():
        again = catalog_features(db.session)
        assert again is not first
        assert set(again.ids.tolist()) == set(ids + more)


def test_the_match_command_ranks_and_explains(
    app: Flask, make_user: Any, runner: Any, tmp_path: Any
) -> None:
    ids = _listed(app, make_user, ["רצים בפארק", "רצות בבוקר", "רצים בערב"])
    brief: dict[str, Any] = {
        "goal": "awareness",
        "message": "נעלי ריצה לרצים חובבים",
        "topics": ["fitness"],
        "audience": {"gender": ["female"]},
        "languages": ["he"],
        "budget_minor": 500_000,
    }
    path = tmp_path / "brief.json"
    path.write_text(json.dumps(brief, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["match", str(path), "--top", "2", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["total"] == 3
    assert payload["eligible"] == 3
    assert len(payload["rows"]) == 2
    assert {row["community_id"] for row in payload["rows"]} <= set(ids)
    assert payload["rows"][0]["score"] >= payload["rows"][1]["score"]
    assert {e["component"] for e in payload["rows"][0]["explanations"]} >= {"topic", "audience"}

    table = runner.invoke(args=["match", str(path), "--lang", "he"])
    assert "3 of 3" in table.output
    assert "רצים" in table.output

    brief.update(budget_minor=0, goal="fame")
    path.write_text(json.dumps(brief), encoding="utf-8")
    failed = runner.invoke(args=["match", str(path)])
    assert failed.exit_code == 1
    assert "budget_minor" in failed.output
    assert "goal" in failed.output

    gated = {**brief, "goal": "awareness", "budget_minor": 500_000, "languages": ["ar"]}
    path.write_text(json.dumps(gated), encoding="utf-8")
    empty = json.loads(runner.invoke(args=["match", str(path), "--json"]).output)
    assert empty["rows"] == []
    assert empty["eligible"] == 0
    assert empty["diagnosis"]["en"], "an empty list always says why"


def test_the_match_command_names_an_emptied_list_s_budgets_in_its_language_s_money_format(
    app: Flask, make_user: Any, runner: Any, tmp_path: Any
) -> None:
    """`flask match` printed the engine's "₪1" while the brief's page wrote ‏1.00 ₪."""
    import re

    _listed(app, make_user, ["רצים בפארק", "רצות בבוקר", "רצים בערב"])
    brief = {"goal": "awareness", "message": "נעלי ריצה לרצים חובבים", "topics": ["fitness"],
             "languages": ["he"], "budget_minor": 100}  # fmt: skip
    path = tmp_path / "brief.json"
    path.write_text(json.dumps(brief, ensure_ascii=False), encoding="utf-8")
    hebrew = runner.invoke(args=["match", str(path), "--lang", "he"]).output
    assert "מהתקציב שלך, \u200f1.00\u00a0\u200f₪" in hebrew
    assert "  - הגדלת התקציב ל-\u200f" in hebrew
    assert not re.search(r"₪\d", hebrew)
    english = runner.invoke(args=["match", str(path), "--lang", "en"]).output
    assert "your budget of ₪1.00" in english
    assert re.search(r"  - Raising the budget to ₪[\d,]+\.\d\d would give", english)
    data = json.loads(runner.invoke(args=["match", str(path), "--json"]).output)["diagnosis"]
    assert "מהתקציב שלך, \u200f1.00\u00a0\u200f₪" in data["he"]
    assert "your budget of ₪1.00" in data["en"]
    raise_budget = next(s for s in data["suggestions"] if s["code"] == "raise_budget")
    assert raise_budget["he"].startswith("הגדלת התקציב ל-\u200f")


def test_the_match_command_writes_the_value_reasons_in_its_language_s_money_format(
    app: Flask, make_user: Any, runner: Any, tmp_path: Any
) -> None:
    """`flask match` printed each row's value reason with the engine's "₪188", and --json too."""
    import re

    _listed(app, make_user, ["רצים בפארק", "רצות בבוקר"])
    brief = {"goal": "awareness", "message": "נעלי ריצה לרצים חובבים", "topics": ["fitness"],
             "languages": ["he"], "budget_minor": 500_000}  # fmt: skip
    path = tmp_path / "brief.json"
    path.write_text(json.dumps(brief, ensure_ascii=False), encoding="utf-8")
    hebrew = runner.invoke(args=["match", str(path), "--lang", "he"]).output
    assert "value: השווי המוערך הוא" in hebrew
    assert not re.search(r"₪\d", hebrew)
    assert re.search(
        r"\(\u200f[\d,]+\.\d\d\u00a0\u200f₪ תמורת \u200f[\d,]+\.\d\d\u00a0\u200f₪\)", hebrew
    )
    english = runner.invoke(args=["match", str(path), "--lang", "en"]).output
    assert re.search(r"value: Estimated value is .*\(₪[\d,]+\.\d\d for ₪[\d,]+\.\d\d\)", english)
    rows = json.loads(runner.invoke(args=["match", str(path), "--json"]).output)["rows"]
    values = [e for row in rows for e in row["explanations"] if e["code"] == "value"]
    assert len(values) == 2
    for reason in values:
        assert not re.search(r"₪\d", reason["he"])
        assert re.search(r"\(₪[\d,]+\.\d\d for ₪[\d,]+\.\d\d\)", reason["en"])


def test_the_documented_example_brief_ranks(app: Flask, make_user: Any, runner: Any) -> None:
    _listed(app, make_user, ["רצים בפארק"])
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "brief.json"
    result = runner.invoke(args=["match", str(example), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["brief"]["goal"] == "market_education"
    assert payload["total"] == 1


def test_the_match_command_names_the_plan_s_rules_and_the_ranked_communities_they_keep_out(
    app: Flask, make_user: Any, runner: Any, tmp_path: Any
) -> None:
    owner, staff = make_user("owner"), make_user("staff")
    with app.app_context():
        me, agent = db.session.get(User, owner.id), db.session.get(User, staff.id)
        ids = {}
        for name, region, city in (("רצים בתל אביב", "tel_aviv", "תל אביב"),
                                   ("רצים בנצרת", "north", "נצרת")):  # fmt: skip
            listing = make_listing(db.session, me, name_he=name, region=region, city=city)
            catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
            catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=agent)
            ids[region] = listing.community.id
        db.session.commit()
    brief = {
        "goal": "awareness",
        "title": "פתיחת חנות ריצה בתל אביב",
        "message": "נעלי ריצה לרצים חובבים",
        "languages": ["he"],
        "budget_minor": 500_000,
    }  # no region: the ranking's region gate is open, only the title names the city
    path = tmp_path / "brief.json"
    path.write_text(json.dumps(brief, ensure_ascii=False), encoding="utf-8")
    payload = json.loads(runner.invoke(args=["match", str(path), "--json"]).output)
    assert payload["plan_rules"]["cities"] == ["tel_aviv"]
    rows = {row["community_id"]: row for row in payload["rows"]}
    assert rows[ids["north"]]["plan_refused"]["code"] == "outside_places"
    assert rows[ids["tel_aviv"]]["plan_refused"] is None  # the city itself is allowed
    assert {"plan", "result_worth_minor"} <= {w["field"] for w in payload["warnings"]}
    table = runner.invoke(args=["match", str(path), "--lang", "he"]).output
    assert "plan rules: מקומות: תל אביב · שפות: עברית" in table
    assert "warning: רצים בנצרת לא נרכשת: היא בנצרת" in table
    brief["title"] = "נעלי ריצה"
    path.write_text(json.dumps(brief, ensure_ascii=False), encoding="utf-8")
    anywhere = json.loads(runner.invoke(args=["match", str(path), "--json"]).output)
    assert all(row["plan_refused"] is None for row in anywhere["rows"])
    # An age rule reads as a range, in both languages (never "45 54").
    brief["audience"] = {"age": ["45_54", "65_plus"]}
    path.write_text(json.dumps(brief, ensure_ascii=False), encoding="utf-8")
    table = runner.invoke(args=["match", str(path)]).output
    assert "plan rules: languages: Hebrew · age: 45–54 and 65+" in table
    table = runner.invoke(args=["match", str(path), "--lang", "he"]).output
    assert "plan rules: שפות: עברית · גיל: 45–54 ו-65+" in table


def _no_build(monkeypatch: Any) -> None:
    """Make any feature build inside a request fail the test."""
    from marketplace.matching import records as module

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the request path built the features")

    monkeypatch.setattr(module, "build_features", refuse)


def test_a_request_after_a_change_loads_the_stored_features_and_never_builds(
    app_factory: Any, make_user: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    from marketplace.jobs.models import Job
    from marketplace.jobs.services import run_job
    from marketplace.matching.records import FeatureCache, features_dir, rebuild_features

    app = app_factory(JOBS_EAGER=False, MATCHING_FEATURES_DIR=str(tmp_path))
    ids = _listed(app, make_user, ["רצים בפארק"])
    with app.app_context():
        rebuild_features(db.session, features_dir())  # what the job does
        db.session.commit()
    more = _listed(app, make_user, ["רוכבים בגליל"])  # the catalog version moves on
    with app.app_context(), monkeypatch.context() as patch:
        _no_build(patch)
        cache = FeatureCache()  # a fresh worker
        stale = cache.get(db.session)
        assert set(stale.ids.tolist()) == set(ids)  # ranked on the stored artifact
        assert cache.stale
        queued = db.session.scalars(select(Job).where(Job.kind == "matching.rebuild_features"))
        jobs = list(queued)
        assert len(jobs) == 1
        cache.get(db.session)  # asked again: still one job for this version
        assert db.session.scalar(select(func.count(Job.id))) == 1
    with app.app_context():
        run_job(jobs[0].id)  # the worker rebuilds
    with app.app_context(), monkeypatch.context() as patch:
        _no_build(patch)
        fresh = cache.get(db.session)
        assert set(fresh.ids.tolist()) == set(ids + more)
        assert not cache.stale


def test_the_job_stores_features_that_rank_like_a_fresh_build(app: Flask, make_user: Any) -> None:
    from campaigns.brief import BriefSpec, Goal
    from campaigns.matching import build_features, rank
    from campaigns.matching.store import load_features
    from marketplace.jobs import enqueue
    from marketplace.matching.records import features_dir

    _listed(app, make_user, ["רצים בפארק", "רצות בבוקר", "אופים בבית"])
    with app.app_context():
        enqueue(db.session, "matching.rebuild_features", {})
        db.session.commit()  # eager in tests: the job runs now
        stored = load_features(features_dir())
        assert stored is not None
        fresh = build_features(load_records(db.session))
        brief = BriefSpec(goal=Goal.AWARENESS, message="ריצה בבוקר", budget_minor=500_000)
        assert rank(brief, stored, top=10) == rank(brief, fresh, top=10)
        assert rank(brief, stored, top=10).rows


def test_without_any_stored_features_a_worker_builds_once_and_asks_for_the_job(
    app_factory: Any, make_user: Any, tmp_path: Path
) -> None:
    from marketplace.jobs.models import Job
    from marketplace.matching.records import FeatureCache, features_dir

    app = app_factory(JOBS_EAGER=False, MATCHING_FEATURES_DIR=str(tmp_path))
    ids = _listed(app, make_user, ["רצים בפארק"])
    with app.app_context():
        assert not (features_dir() / "manifest.json").exists()
        features = FeatureCache().get(db.session)
        assert set(features.ids.tolist()) == set(ids)
        kinds = list(db.session.scalars(select(Job.kind)))
        assert kinds == ["matching.rebuild_features"]


def test_the_match_features_command_stores_what_workers_load(
    app_factory: Any, make_user: Any, tmp_path: Path
) -> None:
    from campaigns.matching.store import newest_version
    from marketplace.catalog.cache import catalog_version
    from marketplace.matching.records import FeatureCache, features_dir

    app = app_factory(JOBS_EAGER=False, MATCHING_FEATURES_DIR=str(tmp_path))
    ids = _listed(app, make_user, ["רצים בפארק", "רצות בבוקר"])
    result = app.test_cli_runner().invoke(args=["match-features"])
    assert result.exit_code == 0, result.output
    assert "2 communities" in result.output
    with app.app_context():
        assert newest_version(features_dir()) == catalog_version(db.session)
        assert set(FeatureCache().get(db.session).ids.tolist()) == set(ids)


def test_stale_features_never_rank_a_community_withdrawn_since(
    app_factory: Any, make_user: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    from marketplace.catalog.models import Community
    from marketplace.matching.records import FeatureCache, features_dir, rebuild_features

    app = app_factory(JOBS_EAGER=False, MATCHING_FEATURES_DIR=str(tmp_path))
    ids = _listed(app, make_user, ["רצים בפארק", "רצות בבוקר"])
    staff = make_user("staff")
    with app.app_context():
        rebuild_features(db.session, features_dir())
        community = db.session.get_one(Community, ids[0])
        agent = db.session.get_one(User, staff.id)
        catalog.change_status(db.session, community, ListingStatus.PAUSED, actor=agent)
        db.session.commit()
    with app.app_context(), monkeypatch.context() as patch:
        _no_build(patch)
        cache = FeatureCache()
        features = cache.get(db.session)
        assert cache.stale
        listed = {int(cid) for cid, ok in zip(features.ids, features.listed, strict=True) if ok}
        assert listed == {ids[1]}


def test_a_rebuild_counts_again_only_what_changed_and_ranks_as_a_full_one(
    app_factory: Any, make_user: Any, tmp_path: Path
) -> None:
    from campaigns.brief import BriefSpec, Goal
    from campaigns.matching import build_features, rank
    from marketplace.catalog.models import Community
    from marketplace.matching.records import features_dir, rebuild_features

    app = app_factory(JOBS_EAGER=False, MATCHING_FEATURES_DIR=str(tmp_path))
    ids = _listed(app, make_user, ["רצים בפארק", "רצות בבוקר", "אופים בבית"])
    staff = make_user("staff")
    with app.app_context():
        first = rebuild_features(db.session, features_dir())
        assert (first.incremental, first.recounted) == (False, 3)
        db.session.get_one(Community, ids[0]).description = "ריצת לילה על החוף, מרתון"
        agent = db.session.get_one(User, staff.id)
        withdrawn = db.session.get_one(Community, ids[2])
        catalog.change_status(db.session, withdrawn, ListingStatus.PAUSED, actor=agent)
        db.session.commit()
    more = _listed(app, make_user, ["רוכבים בגליל"])
    with app.app_context():
        again = rebuild_features(db.session, features_dir())
        assert (again.incremental, again.recounted) == (True, 2)  # the edited one and the new
        assert set(again.features.ids.tolist()) == {ids[0], ids[1], *more}
        full = build_features(load_records(db.session))
        assert (again.features.text_csc != full.text_csc).nnz == 0
        brief = BriefSpec(goal=Goal.AWARENESS, message="ריצה בלילה", budget_minor=500_000)
        assert rank(brief, again.features, top=10) == rank(brief, full, top=10)
        assert rank(brief, again.features, top=10).rows
        everything = rebuild_features(db.session, features_dir(), full=True)
        assert (everything.incremental, everything.recounted) == (False, 3)


def test_a_transaction_that_changed_the_catalog_builds_once_per_change(
    app_factory: Any, make_user: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    from marketplace.catalog.models import Community
    from marketplace.matching import records as module

    app = app_factory(JOBS_EAGER=False, MATCHING_FEATURES_DIR=str(tmp_path))
    ids = _listed(app, make_user, ["רצים בפארק", "רצות בבוקר"])
    builds: list[int] = []
    real = module.build_features

    def counted(records: Any) -> Any:
        builds.append(len(records))
        return real(records)

    monkeypatch.setattr(module, "build_features", counted)
    with app.app_context():
        community = db.session.get_one(Community, ids[0])
        community.description = "ריצת לילה על החוף"
        db.session.flush()  # the seed's case: the catalog changed, not yet committed
        first = catalog_features(db.session)
        assert catalog_features(db.session) is first  # the shortlist's next ranking
        assert builds == [2]
        community.description = "ריצת בוקר"
        db.session.flush()
        if db.session.get_bind().dialect.name == "sqlite":  # PostgreSQL counts at commit
            assert catalog_features(db.session) is not first  # a further change is seen
            assert builds == [2, 2]
        db.session.rollback()
