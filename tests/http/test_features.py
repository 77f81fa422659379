"""The app is assembled from one list of features: blueprints, commands and job kinds."""

from __future__ import annotations

import importlib

from flask import Flask

from marketplace.features import FEATURES
from marketplace.jobs import REGISTRY


def test_every_blueprint_of_the_app_comes_from_the_list_of_features(app: Flask) -> None:
    listed = [bp for feature in FEATURES for bp in feature.blueprints]
    assert len({bp.name for bp in listed}) == len(listed)
    assert dict(app.blueprints) == {bp.name: bp for bp in listed}


def test_every_command_of_the_app_comes_from_the_list_of_features(app: Flask) -> None:
    listed = [command for feature in FEATURES for command in feature.commands]
    ours = {name: c for name, c in app.cli.commands.items() if name not in ("db", "babel")}
    assert ours == {command.name: command for command in listed}


def test_each_feature_registers_its_own_job_kinds(app: Flask) -> None:
    kinds_by_module = {
        name: {kind for kind, spec in REGISTRY.items() if spec.func.__module__ == name}
        for feature in FEATURES
        for name in feature.job_modules
    }
    for name in kinds_by_module:
        importlib.import_module(name)  # already imported by the app factory
    assert all(kinds_by_module.values())
    assert {"jobs.noop", "outbox.send"} <= kinds_by_module["marketplace.jobs.tasks"]


def test_features_above_hand_their_page_hooks_down_through_the_list(app: Flask) -> None:
    """Briefs and the catalog show planning's and health's facts without importing them."""
    from marketplace.briefs.planning import ALONE, planning
    from marketplace.catalog.context import _PANELS
    from marketplace.health.views import asset_panel
    from marketplace.matching import services as matching

    with app.app_context():
        assert planning() is not ALONE
        assert planning().move_brief is matching.move_brief
        assert planning().proposed_plan is matching.proposed_plan
    assert app.extensions[_PANELS] == [asset_panel]
