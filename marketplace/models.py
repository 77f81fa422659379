"""Every model, imported in one place so that Alembic and `create_all` see the whole schema."""

from marketplace.admin.models import UserChange
from marketplace.auth.models import ApiToken, Invitation, LoginSession, Organisation, Role, User
from marketplace.briefs.models import Brief, BriefComment, BriefEvent
from marketplace.catalog.models import (
    AudienceShare,
    CatalogImport,
    ChannelAsset,
    Community,
    CommunityFacet,
    CommunityManager,
    EvidenceFile,
    MetricSnapshot,
    RateCard,
)
from marketplace.creative.models import (
    Creative,
    CreativeApproval,
    CreativeComment,
    CreativeImage,
    CreativeVersion,
)
from marketplace.deals.models import (
    Agreement,
    Deal,
    DealEvent,
    DealPlacement,
    Offer,
    OfferVersion,
)
from marketplace.delivery.models import Post, PostEvent, Proof
from marketplace.finance.models import (
    AllocationNumber,
    BillingProfile,
    DocumentCounter,
    FinanceDocument,
    JournalEntry,
    JournalLine,
    PaymentBatch,
    PaymentBatchItem,
    PayoutHold,
)
from marketplace.health.models import HealthReport, HealthSalt, PendingHealthUpload
from marketplace.inbox.models import Notification, NotificationPreference
from marketplace.jobs.models import Job
from marketplace.links.models import (
    LinkClick,
    PromoCode,
    PromoRedemption,
    PromoUpload,
    TrackedLink,
)
from marketplace.matching.models import MediaPlan, ShortlistEntry
from marketplace.outbox import OutboundEmail
from marketplace.payments.models import (
    CardPayment,
    CardRefund,
    ConnectedAccount,
    Payout,
    ReconciliationItem,
    StripeEvent,
)
from marketplace.reports.models import (
    MetricUpload,
    PlacementMetric,
    PulseAnswer,
    PulseSurvey,
    ReportPick,
)
from marketplace.valuation.models import PlacementEstimate, PricingTableVersion, RealisedReach

__all__ = [
    "UserChange",
    "CardPayment",
    "CardRefund",
    "ConnectedAccount",
    "Payout",
    "ReconciliationItem",
    "StripeEvent",
    "AllocationNumber",
    "BillingProfile",
    "DocumentCounter",
    "FinanceDocument",
    "JournalEntry",
    "JournalLine",
    "PaymentBatch",
    "PaymentBatchItem",
    "PayoutHold",
    "Creative",
    "CreativeApproval",
    "CreativeComment",
    "CreativeImage",
    "CreativeVersion",
    "Agreement",
    "Deal",
    "DealEvent",
    "DealPlacement",
    "Offer",
    "OfferVersion",
    "Post",
    "PostEvent",
    "Proof",
    "ApiToken",
    "AudienceShare",
    "Brief",
    "BriefComment",
    "BriefEvent",
    "CatalogImport",
    "ChannelAsset",
    "Community",
    "CommunityFacet",
    "CommunityManager",
    "EvidenceFile",
    "HealthReport",
    "HealthSalt",
    "Invitation",
    "Job",
    "LinkClick",
    "PromoCode",
    "PromoRedemption",
    "PromoUpload",
    "TrackedLink",
    "LoginSession",
    "MediaPlan",
    "MetricSnapshot",
    "Notification",
    "NotificationPreference",
    "OutboundEmail",
    "Organisation",
    "PendingHealthUpload",
    "PlacementEstimate",
    "PricingTableVersion",
    "RateCard",
    "ShortlistEntry",
    "Role",
    "User",
    "MetricUpload",
    "PlacementMetric",
    "PulseAnswer",
    "PulseSurvey",
    "RealisedReach",
    "ReportPick",
]
