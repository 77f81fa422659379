"""Community health from the exports owners really have (WhatsApp, Telegram, Facebook).

Parse an upload with `parse_export` (people hashed, no text kept), show the owner
`what_is_kept`, then `analyse` it into a `HealthReport` with a documented 0–100 score.
"""

from pricing.health.analysis import PERIODS, analyse
from pricing.health.detect import DEFAULT_LIMITS, Limits, parse_export
from pricing.health.errors import (
    BadArchive,
    BadValue,
    EmptyExport,
    ExportError,
    FileTooLarge,
    NotACommunity,
    NotAnExport,
    SeveralExports,
    TruncatedFile,
    UnknownLanguage,
    UnknownLayout,
    WrongColumns,
    ZipBomb,
)
from pricing.health.events import (
    DEFAULT_TIMEZONE,
    EVENT_COLUMNS,
    AdminSource,
    EventKind,
    ExportFormat,
    ParsedExport,
    PersonHasher,
)
from pricing.health.figures import Anomaly, Figures
from pricing.health.privacy import what_is_kept
from pricing.health.report import HealthReport, PeriodReport
from pricing.health.score import Component, HealthScore, Profile

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEZONE",
    "EVENT_COLUMNS",
    "PERIODS",
    "AdminSource",
    "Anomaly",
    "BadArchive",
    "BadValue",
    "Component",
    "EmptyExport",
    "EventKind",
    "ExportError",
    "ExportFormat",
    "Figures",
    "FileTooLarge",
    "HealthReport",
    "HealthScore",
    "Limits",
    "NotACommunity",
    "NotAnExport",
    "SeveralExports",
    "ParsedExport",
    "PeriodReport",
    "PersonHasher",
    "Profile",
    "TruncatedFile",
    "UnknownLanguage",
    "UnknownLayout",
    "WrongColumns",
    "ZipBomb",
    "analyse",
    "parse_export",
    "what_is_kept",
]
