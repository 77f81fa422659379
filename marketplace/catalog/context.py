"""Template globals of the catalog: vocabulary labels, computed once per request."""

from __future__ import annotations

from typing import Any

from flask import Flask

from marketplace.catalog import vocab
from marketplace.catalog.services import STATUS_LABELS


def init_app(app: Flask) -> None:
    """Offer the catalog's labels to every template."""

    @app.context_processor
    def catalog_labels() -> dict[str, Any]:
        return {
            "platform_labels": vocab.PLATFORMS,
            "placement_labels": vocab.PLACEMENTS,
            "evidence_labels": {int(k): v for k, v in vocab.EVIDENCE_TIERS.items()},
            "metric_labels": vocab.METRICS,
            "topic_labels": vocab.TOPICS,
            "language_labels": vocab.LANGUAGES,
            "region_labels": vocab.REGIONS,
            "flag_labels": vocab.SENSITIVE_FLAGS,
            "status_labels": STATUS_LABELS,
            "audience_labels": vocab.AUDIENCE_DIMENSIONS,
            "audience_dimension_labels": vocab.AUDIENCE_DIMENSION_LABELS,
            "admission_labels": vocab.ADMISSION,
            "audience_kind_labels": vocab.AUDIENCE_KINDS,
            "mode_labels": vocab.INTERACTION_MODES,
            "monetisation_labels": vocab.MONETISATION,
        }
