"""The benchmark tables: complete, cited, validated, and versioned with the model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pricing.taxonomy import Platform
from pricing.valuation import (
    DATA_DIR,
    Priors,
    PriorsError,
    estimate_frame,
    estimate_row,
    load_priors,
    priors_from_tables,
    read_tables,
)
from pricing.valuation.priors import split_keys

from .conftest import WORKED_EXAMPLES


def test_every_platform_has_reach_priors_and_at_least_one_placement(priors: Priors) -> None:
    assert set(priors.platforms) == set(Platform)
    assert {platform for platform, _ in priors.placements} == set(Platform)


def test_every_figure_cites_a_source_with_an_address(priors: Priors) -> None:
    for platform in priors.platforms.values():
        assert split_keys(platform.source_reach)
    for placement in priors.placements.values():
        assert split_keys(placement.source_cpm)
    for source in priors.sources.values():
        assert source.url
        assert source.what_we_take


def test_each_currency_cpm_is_the_dollar_figure_at_the_model_rate(priors: Priors) -> None:
    for placement in priors.placements.values():
        assert placement.cpm_ils == pytest.approx(placement.cpm_usd * priors.fx("ILS"), abs=0.01)
        assert placement.cpm_eur == pytest.approx(placement.cpm_usd * priors.fx("EUR"), abs=0.01)


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_an_admin_edit_changes_the_recorded_model_version(tmp_path: Path, priors: Priors) -> None:
    data = copy_data(tmp_path)
    assert load_priors(data).model_version == priors.model_version
    frame = pd.read_csv(data / "channel_priors.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["platform"] == "newsletter", "cpm_ils"] = "120.00"
    frame.to_csv(data / "channel_priors.csv", index=False)
    edited = load_priors(data)
    assert edited.model_version != priors.model_version
    row = WORKED_EXAMPLES["newsletter"]["row"]
    before = estimate_row(row, priors)
    after = estimate_row(row, edited)
    assert after.model_version == edited.model_version
    assert before.value_minor is not None
    assert after.value_minor is not None
    assert after.value_minor.p50 > before.value_minor.p50
    assert estimate_frame(pd.DataFrame([row]), edited)["model_version"].iloc[0] == (
        edited.model_version
    )


def test_tables_from_the_admin_screen_build_the_same_priors(priors: Priors) -> None:
    tables, model = read_tables()
    numeric = {name: frame.copy() for name, frame in tables.items()}
    numeric["platforms"]["active_share"] = numeric["platforms"]["active_share"].astype(float)
    assert priors_from_tables(numeric, model).model_version == priors.model_version


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("platforms", "active_share", "1.4", "outside its range"),
        ("platforms", "view_rate", "lots", "not a number"),
        ("channel_priors", "cpm_usd", "-3", "outside its range"),
        ("channel_priors", "placement", "billboard", "unknown PlacementType"),
        ("regions", "source_wa", "nowhere-blog", "unknown sources"),
        ("evidence", "log_sd", "", "is empty"),
    ],
)
def test_a_malformed_table_is_refused_with_the_place_of_the_error(
    table: str, column: str, value: str, message: str
) -> None:
    tables, model = read_tables()
    tables[table].loc[0, column] = value
    with pytest.raises(PriorsError, match=message):
        priors_from_tables(tables, model)


def test_malformed_model_settings_are_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    model = json.loads((data / "model.json").read_text(encoding="utf-8"))
    model["fx_per_usd"] = {"ILS": 3.7}
    (data / "model.json").write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(PriorsError, match="fx_per_usd"):
        load_priors(data)
    tables, good = read_tables()
    del good["delivery_noise_sd"]
    with pytest.raises(PriorsError, match="delivery_noise_sd"):
        priors_from_tables(tables, good)
