"""Load, validate and version the benchmark tables (priors) the valuation model runs on."""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import EvidenceTier, InteractionMode, PlacementType, Platform

#: Where the shipped tables live; an admin edits copies of them, never the code.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: Figures an owner or the agency can measure, each priced by its evidence tier and age.
MEASURED_METRICS = ("members", "active_share", "open_rate", "views_per_post", "engagement_rate")

#: The table files, by name (``<name>.csv``), with the columns each must have.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "sources": ("key", "authority", "url", "what_we_take"),
    "platforms": (
        "platform",
        "interaction_mode",
        "active_share",
        "active_share_log_sd",
        "view_rate",
        "view_rate_log_sd",
        "engagement_rate",
        "engagement_rate_log_sd",
        "cpe_usd",
        "open_rate_bias",
        "replacement_floor",
        "source_reach",
        "source_engagement",
    ),
    "channel_priors": (
        "platform",
        "placement",
        "placement_factor",
        "placement_log_sd",
        *(f"cpm_{currency.lower()}" for currency in CURRENCY_EXPONENTS),
        "cpm_log_sd",
        "source_placement",
        "source_cpm",
    ),
    "verticals": ("vertical", "cpm_factor", "log_sd", "source"),
    "regions": (
        "region",
        "country",
        "cpm_factor",
        "log_sd",
        "wa_marketing_usd",
        "source_cpm",
        "source_wa",
    ),
    "evidence": ("metric", "tier", "median_factor", "log_sd", "drift_log_sd_per_year", "source"),
}


class PriorsError(ValueError):
    """A benchmark table or the model settings are malformed; the message says where."""


@dataclass(frozen=True, slots=True)
class Source:
    """A citation behind a figure: its key in the tables, address and what we take from it."""

    key: str
    authority: str
    url: str
    what_we_take: str


@dataclass(frozen=True, slots=True)
class PlatformPrior:
    """What an ordinary item on one kind of channel reaches, before any measurement."""

    platform: Platform
    interaction_mode: InteractionMode
    active_share: float
    active_share_log_sd: float
    view_rate: float
    view_rate_log_sd: float
    engagement_rate: float
    engagement_rate_log_sd: float
    cpe_usd: float
    open_rate_bias: float
    replacement_floor: bool
    source_reach: str
    source_engagement: str


@dataclass(frozen=True, slots=True)
class PlacementPrior:
    """How a placement compares with an ordinary item, and what a thousand reached are worth."""

    platform: Platform
    placement: PlacementType
    factor: float
    factor_log_sd: float
    cpm_usd: float
    cpm_ils: float
    cpm_eur: float
    cpm_log_sd: float
    source_placement: str
    source_cpm: str

    def cpm(self, currency: str) -> float:
        """Return the reference CPM in major units of `currency`."""
        return float(getattr(self, f"cpm_{currency.lower()}"))


@dataclass(frozen=True, slots=True)
class EvidenceRule:
    """How far a figure of one evidence tier is trusted: a median correction and a log spread."""

    metric: str
    tier: int
    median_factor: float
    log_sd: float
    drift_log_sd_per_year: float
    source: str


@dataclass(frozen=True, slots=True)
class VerticalPrior:
    """A CPM multiplier for a vertical (topic)."""

    vertical: str
    cpm_factor: float
    log_sd: float
    source: str


@dataclass(frozen=True, slots=True)
class RegionPrior:
    """A CPM multiplier for a region and the local price of a WhatsApp marketing message."""

    region: str
    country: str
    cpm_factor: float
    log_sd: float
    wa_marketing_usd: float | None
    source_cpm: str
    source_wa: str


@dataclass(frozen=True, slots=True)
class ModelConstants:
    """The model's scalar settings (``model.json``)."""

    model_version: str
    z_p90: float
    stale_after_days: float
    missing_age_days: float
    fx_per_usd: Mapping[str, float]
    health_multiplier_at_100: float
    health_prior_sd_scale: float
    many_to_many_premium: float
    many_to_many_premium_unproven: float
    many_to_many_min_health: float
    one_to_many_discount: float
    interaction_log_sd: float
    unknown_vertical_log_sd: float
    unknown_region_log_sd: float
    wa_floor_unknown_region_usd: float
    group_bias_prior_sd: float
    delivery_noise_sd: float
    sources: Mapping[str, str]
    # A measured active share counts members who posted or reacted; the people who read are
    # more (lurkers). Defaults keep a stored model.json from before this setting as it was.
    readers_per_active_member: float = 1.0
    readers_per_active_member_log_sd: float = 0.0

    @property
    def log_readers_per_active(self) -> float:
        """Log of how many members read for each one who posted or reacted."""
        return math.log(self.readers_per_active_member)

    @property
    def health_log_slope(self) -> float:
        """Log change of reach per 50 health points (so 100 gives the stated multiplier)."""
        return math.log(self.health_multiplier_at_100)


@dataclass(frozen=True)
class Priors:
    """Every benchmark the model uses, validated, with the version estimates record."""

    model_version: str
    constants: ModelConstants
    platforms: Mapping[Platform, PlatformPrior]
    placements: Mapping[tuple[Platform, PlacementType], PlacementPrior]
    evidence: Mapping[tuple[str, int], EvidenceRule]
    verticals: Mapping[str, VerticalPrior]
    regions: Mapping[str, RegionPrior]
    sources: Mapping[str, Source]
    tables: Mapping[str, pd.DataFrame] = field(repr=False, compare=False)
    model: Mapping[str, Any] = field(repr=False, compare=False)

    def fx(self, currency: str) -> float:
        """Units of `currency` per US dollar."""
        return self.constants.fx_per_usd[currency]

    def cite(self, keys: str) -> list[Source]:
        """Resolve a ``;``-separated list of source keys to their citations."""
        return [self.sources[key] for key in split_keys(keys)]


def split_keys(keys: str) -> list[str]:
    """Split a ``a;b;c`` source cell into its keys."""
    return [key.strip() for key in keys.split(";") if key.strip()]


def _cell(frame: pd.DataFrame, table: str, index: int, column: str) -> str:
    value = frame.iloc[index][column]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(
    frame: pd.DataFrame,
    table: str,
    index: int,
    column: str,
    *,
    low: float = 0.0,
    high: float = math.inf,
    low_open: bool = False,
    optional: bool = False,
) -> float | None:
    text = _cell(frame, table, index, column)
    where = f"{table}.csv row {index + 2}, column {column!r}"
    if text == "":
        if optional:
            return None
        raise PriorsError(f"{where} is empty")
    try:
        value = float(text)
    except ValueError:
        raise PriorsError(f"{where} is not a number: {text!r}") from None
    if not math.isfinite(value) or value < low or value > high or (low_open and value == low):
        raise PriorsError(f"{where} = {value} is outside its range")
    return value


def _required(frame: pd.DataFrame, table: str, index: int, column: str, **kw: Any) -> float:
    value = _number(frame, table, index, column, **kw)
    assert value is not None  # only optional numbers come back empty
    return value


def _check_columns(tables: Mapping[str, pd.DataFrame]) -> None:
    for name, columns in TABLE_COLUMNS.items():
        if name not in tables:
            raise PriorsError(f"table {name!r} is missing")
        missing = [column for column in columns if column not in tables[name].columns]
        if missing:
            raise PriorsError(f"{name}.csv lacks columns {missing}")


def _parse_sources(frame: pd.DataFrame) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for i in range(len(frame)):
        key = _cell(frame, "sources", i, "key")
        if not key or key in sources:
            raise PriorsError(f"sources.csv row {i + 2}: empty or repeated key {key!r}")
        sources[key] = Source(
            key,
            _cell(frame, "sources", i, "authority"),
            _cell(frame, "sources", i, "url"),
            _cell(frame, "sources", i, "what_we_take"),
        )
    return sources


def _enum(cls: type[Any], text: str, where: str) -> Any:
    try:
        return cls(text)
    except ValueError:
        raise PriorsError(f"{where}: unknown {cls.__name__} {text!r}") from None


def _parse_platforms(frame: pd.DataFrame) -> dict[Platform, PlatformPrior]:
    out: dict[Platform, PlatformPrior] = {}
    t = "platforms"
    for i in range(len(frame)):
        where = f"{t}.csv row {i + 2}"
        platform = _enum(Platform, _cell(frame, t, i, "platform"), where)
        if platform in out:
            raise PriorsError(f"{where}: platform {platform} repeated")
        floor = _cell(frame, t, i, "replacement_floor")
        if floor not in {"0", "1"}:
            raise PriorsError(f"{where}: replacement_floor must be 0 or 1")
        out[platform] = PlatformPrior(
            platform=platform,
            interaction_mode=_enum(InteractionMode, _cell(frame, t, i, "interaction_mode"), where),
            active_share=_required(frame, t, i, "active_share", high=1.0, low_open=True),
            active_share_log_sd=_required(frame, t, i, "active_share_log_sd", high=3.0),
            view_rate=_required(frame, t, i, "view_rate", high=1.0, low_open=True),
            view_rate_log_sd=_required(frame, t, i, "view_rate_log_sd", high=3.0),
            engagement_rate=_required(frame, t, i, "engagement_rate", high=1.0, low_open=True),
            engagement_rate_log_sd=_required(frame, t, i, "engagement_rate_log_sd", high=3.0),
            cpe_usd=_required(frame, t, i, "cpe_usd"),
            open_rate_bias=_required(frame, t, i, "open_rate_bias", high=2.0, low_open=True),
            replacement_floor=floor == "1",
            source_reach=_cell(frame, t, i, "source_reach"),
            source_engagement=_cell(frame, t, i, "source_engagement"),
        )
    return out


def _parse_placements(
    frame: pd.DataFrame, platforms: Mapping[Platform, PlatformPrior]
) -> dict[tuple[Platform, PlacementType], PlacementPrior]:
    out: dict[tuple[Platform, PlacementType], PlacementPrior] = {}
    t = "channel_priors"
    for i in range(len(frame)):
        where = f"{t}.csv row {i + 2}"
        platform = _enum(Platform, _cell(frame, t, i, "platform"), where)
        placement = _enum(PlacementType, _cell(frame, t, i, "placement"), where)
        if platform not in platforms:
            raise PriorsError(f"{where}: platform {platform} has no row in platforms.csv")
        if (platform, placement) in out:
            raise PriorsError(f"{where}: {platform}/{placement} repeated")
        out[(platform, placement)] = PlacementPrior(
            platform=platform,
            placement=placement,
            factor=_required(frame, t, i, "placement_factor", high=100.0, low_open=True),
            factor_log_sd=_required(frame, t, i, "placement_log_sd", high=3.0),
            cpm_usd=_required(frame, t, i, "cpm_usd", low_open=True),
            cpm_ils=_required(frame, t, i, "cpm_ils", low_open=True),
            cpm_eur=_required(frame, t, i, "cpm_eur", low_open=True),
            cpm_log_sd=_required(frame, t, i, "cpm_log_sd", high=3.0),
            source_placement=_cell(frame, t, i, "source_placement"),
            source_cpm=_cell(frame, t, i, "source_cpm"),
        )
    return out


def _parse_evidence(frame: pd.DataFrame) -> dict[tuple[str, int], EvidenceRule]:
    out: dict[tuple[str, int], EvidenceRule] = {}
    t = "evidence"
    for i in range(len(frame)):
        metric = _cell(frame, t, i, "metric")
        tier = _required(frame, t, i, "tier", low=1, high=4)
        if metric not in MEASURED_METRICS or tier != int(tier):
            raise PriorsError(f"{t}.csv row {i + 2}: unknown metric or tier")
        out[(metric, int(tier))] = EvidenceRule(
            metric=metric,
            tier=int(tier),
            median_factor=_required(frame, t, i, "median_factor", high=2.0, low_open=True),
            log_sd=_required(frame, t, i, "log_sd", high=3.0),
            drift_log_sd_per_year=_required(frame, t, i, "drift_log_sd_per_year", high=3.0),
            source=_cell(frame, t, i, "source"),
        )
    wanted = {(metric, int(tier)) for metric in MEASURED_METRICS for tier in EvidenceTier}
    if set(out) != wanted:
        raise PriorsError(
            f"evidence.csv must hold every metric x tier; missing {wanted - set(out)}"
        )
    return out


def _parse_verticals(frame: pd.DataFrame) -> dict[str, VerticalPrior]:
    out: dict[str, VerticalPrior] = {}
    t = "verticals"
    for i in range(len(frame)):
        key = _cell(frame, t, i, "vertical").lower()
        if not key or key in out:
            raise PriorsError(f"{t}.csv row {i + 2}: empty or repeated vertical")
        out[key] = VerticalPrior(
            key,
            _required(frame, t, i, "cpm_factor", high=100.0, low_open=True),
            _required(frame, t, i, "log_sd", high=3.0),
            _cell(frame, t, i, "source"),
        )
    return out


def _parse_regions(frame: pd.DataFrame) -> dict[str, RegionPrior]:
    out: dict[str, RegionPrior] = {}
    t = "regions"
    for i in range(len(frame)):
        key = _cell(frame, t, i, "region").lower()
        if not key or key in out:
            raise PriorsError(f"{t}.csv row {i + 2}: empty or repeated region")
        out[key] = RegionPrior(
            region=key,
            country=_cell(frame, t, i, "country"),
            cpm_factor=_required(frame, t, i, "cpm_factor", high=100.0, low_open=True),
            log_sd=_required(frame, t, i, "log_sd", high=3.0),
            wa_marketing_usd=_number(
                frame, t, i, "wa_marketing_usd", high=10.0, low_open=True, optional=True
            ),
            source_cpm=_cell(frame, t, i, "source_cpm"),
            source_wa=_cell(frame, t, i, "source_wa"),
        )
    return out


def _parse_model(model: Mapping[str, Any]) -> ModelConstants:
    optional = {"readers_per_active_member", "readers_per_active_member_log_sd"}
    names = {f.name for f in fields(ModelConstants)}
    missing = names - optional - set(model)
    if missing:
        raise PriorsError(f"model.json lacks {sorted(missing)}")
    fx = model["fx_per_usd"]
    if not isinstance(fx, Mapping) or set(fx) != set(CURRENCY_EXPONENTS):
        raise PriorsError(f"model.json fx_per_usd must give exactly {sorted(CURRENCY_EXPONENTS)}")
    values: dict[str, Any] = {}
    for name in (names & set(model)) - {"model_version", "fx_per_usd", "sources"}:
        value = model[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise PriorsError(f"model.json {name} must be a non-negative number")
        values[name] = float(value)
    for currency, rate in fx.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise PriorsError(f"model.json fx_per_usd[{currency!r}] must be positive")
    if not isinstance(model["model_version"], str) or not model["model_version"]:
        raise PriorsError("model.json model_version must be a non-empty string")
    if values["z_p90"] <= 0 or values["health_multiplier_at_100"] <= 0:
        raise PriorsError("model.json z_p90 and health_multiplier_at_100 must be positive")
    if values.get("readers_per_active_member", 1.0) < 1.0:
        raise PriorsError("model.json readers_per_active_member must be at least 1")
    sources = model["sources"]
    if not isinstance(sources, Mapping):
        raise PriorsError("model.json sources must be an object")
    return ModelConstants(
        model_version=model["model_version"],
        fx_per_usd={str(k): float(v) for k, v in fx.items()},
        sources={str(k): str(v) for k, v in sources.items()},
        **values,
    )


def _check_citations(sources: Mapping[str, Source], cited: Iterable[tuple[str, str]]) -> None:
    for where, keys in cited:
        unknown = [key for key in split_keys(keys) if key not in sources]
        if unknown:
            raise PriorsError(f"{where} cites unknown sources {unknown}")


def _fingerprint(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8"))
    return digest.hexdigest()[:10]


def priors_from_tables(tables: Mapping[str, pd.DataFrame], model: Mapping[str, Any]) -> Priors:
    """Validate tables (as an admin may have edited them) and build the priors.

    The recorded model version is ``<model.json model_version>+<digest of every value>``, so any
    edit to any table yields a new version without anyone remembering to bump it.
    """
    _check_columns(tables)
    sources = _parse_sources(tables["sources"])
    platforms = _parse_platforms(tables["platforms"])
    placements = _parse_placements(tables["channel_priors"], platforms)
    evidence = _parse_evidence(tables["evidence"])
    verticals = _parse_verticals(tables["verticals"])
    regions = _parse_regions(tables["regions"])
    constants = _parse_model(model)
    cited: list[tuple[str, str]] = []
    for p in platforms.values():
        cited += [(f"platforms {p.platform}", p.source_reach + ";" + p.source_engagement)]
    for c in placements.values():
        where = f"channel_priors {c.platform}/{c.placement}"
        cited += [(where, c.source_placement + ";" + c.source_cpm)]
    cited += [(f"evidence {e.metric}/{e.tier}", e.source) for e in evidence.values()]
    cited += [(f"verticals {v.vertical}", v.source) for v in verticals.values()]
    cited += [(f"regions {r.region}", r.source_cpm + ";" + r.source_wa) for r in regions.values()]
    cited += [(f"model.json sources.{k}", v) for k, v in constants.sources.items()]
    _check_citations(sources, cited)
    digest = _fingerprint(
        constants,
        sorted(platforms.items()),
        sorted(placements.items()),
        sorted(evidence.items()),
        sorted(verticals.items()),
        sorted(regions.items()),
        sorted(sources.items()),
    )
    return Priors(
        model_version=f"{constants.model_version}+{digest}",
        constants=constants,
        platforms=platforms,
        placements=placements,
        evidence=evidence,
        verticals=verticals,
        regions=regions,
        sources=sources,
        tables={name: frame.copy() for name, frame in tables.items()},
        model=dict(model),
    )


def read_tables(directory: Path | str | None = None) -> tuple[dict[str, pd.DataFrame], Any]:
    """Read the raw tables and ``model.json`` from `directory` (default: the shipped data)."""
    root = Path(directory) if directory is not None else DATA_DIR
    tables = {
        name: pd.read_csv(root / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in TABLE_COLUMNS
    }
    model = json.loads((root / "model.json").read_text(encoding="utf-8"))
    return tables, model


def load_priors(directory: Path | str | None = None) -> Priors:
    """Load and validate the priors from a directory of tables (default: ``pricing/data``)."""
    if directory is None:
        return default_priors()
    tables, model = read_tables(directory)
    return priors_from_tables(tables, model)


@functools.cache
def default_priors() -> Priors:
    """The shipped priors, loaded once per process."""
    tables, model = read_tables(None)
    return priors_from_tables(tables, model)


def offered_placements(
    priors: Priors | None = None,
) -> Mapping[Platform, tuple[PlacementType, ...]]:
    """Platform → the placement types it has, in the taxonomy's order.

    The one list of what each platform supports: the channel priors table (a WhatsApp group
    has posts, pinned posts, surveys and expert sessions; a podcast has reads). The rate-card
    form offers these, the catalog refuses others on save and on import, and valuation prices
    exactly these.
    """
    table = (priors or default_priors()).placements
    return MappingProxyType(
        {
            platform: tuple(p for p in PlacementType if (platform, p) in table)
            for platform in Platform
        }
    )
