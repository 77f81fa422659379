"""Who may use which endpoint: one table, enforced before every request, deny by default."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from marketplace.auth.models import Role

ALL_ROLES = frozenset(Role)
STAFF_SIDE = frozenset({Role.STAFF, Role.ADMIN})
#: Methods that only read: an account whose e-mail is not confirmed yet may use them anywhere
#: its role may.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Rule:
    """The access rule of one endpoint."""

    #: Roles of signed-in users who may use it.
    roles: frozenset[Role] = frozenset()
    #: Whether visitors who are not signed in may use it.
    anonymous: bool = False
    #: Signed-in users must also administer their organisation.
    org_admin: bool = False
    #: The endpoint is for API clients with an organisation's bearer token, not for browsers.
    api_token: bool = False
    #: The caller proves itself by signing the request body (a payment provider's webhook):
    #: no session, so no login and no CSRF token; the view checks the signature itself.
    signed_body: bool = False
    #: An account whose e-mail is not confirmed yet may write here too. Deny by default: a
    #: self-service sign-up may read, keep drafts and manage itself, but anything that reaches
    #: other people (a brief submitted to the agency, an invitation, a listing put up for
    #: review, an offer answered) or money waits until its mailed link is followed.
    unverified: bool = False


def public() -> Rule:
    """Anyone, signed in or not."""
    return Rule(roles=ALL_ROLES, anonymous=True)


def signed_in(*roles: Role, org_admin: bool = False, unverified: bool = False) -> Rule:
    """Signed-in users with one of these roles (all roles when none are named)."""
    return Rule(roles=frozenset(roles) or ALL_ROLES, org_admin=org_admin, unverified=unverified)


def own_drafts(*roles: Role) -> Rule:
    """Signed-in users with one of these roles, e-mail confirmed or not: the writes here stay
    with the account (its drafts, its reading, its own settings)."""
    return signed_in(*roles, unverified=True)


def signed_webhook() -> Rule:
    """A provider's webhook: anyone may knock, the view refuses an unsigned body (400).

    The one rule that exempts an endpoint from CSRF (the app factory reads it): a forged form
    cannot carry the provider's signature.
    """
    return Rule(roles=ALL_ROLES, anonymous=True, signed_body=True)


def api_token() -> Rule:
    """API clients presenting an organisation's token."""
    return Rule(api_token=True)


#: The policy table. A route that is not listed here is refused, and fails the test suite.
POLICY: dict[str, Rule] = {
    "static": public(),
    "healthz": public(),
    "readyz": public(),
    "main.index": public(),
    "auth.login": public(),
    "auth.logout": own_drafts(),
    "auth.signup": public(),
    "auth.forgot_password": public(),
    "auth.reset_password": public(),
    "auth.accept_invitation": public(),
    "auth.set_language": public(),
    "auth.account": signed_in(),
    "auth.verify_email": public(),
    "auth.resend_verification": own_drafts(),
    "auth.change_password": own_drafts(),
    "dashboards.brand": signed_in(Role.BRAND),
    "dashboards.owner": signed_in(Role.OWNER),
    "dashboards.agency": signed_in(Role.STAFF, Role.ADMIN),
    "dashboards.finance": signed_in(Role.FINANCE, Role.ADMIN),
    # Money (marketplace/finance): the desk is finance's and admins'; a brand's members read
    # their organisation's documents (the service scopes them); an owner reads their own money.
    "finance.desk": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.documents": signed_in(Role.BRAND, Role.FINANCE, Role.ADMIN),
    "finance.document": signed_in(Role.BRAND, Role.FINANCE, Role.ADMIN),
    "finance.document_pdf": signed_in(Role.BRAND, Role.FINANCE, Role.ADMIN),
    "finance.record_payment": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.credit": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.allocation": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.owners": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.hold": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.release": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.create_batch": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.batch": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.batch_export": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.batch_paid": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.journal": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.journal_export": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.my_money": signed_in(Role.OWNER),
    "finance.billing": signed_in(Role.FINANCE, Role.ADMIN),
    "finance.documents_export": signed_in(Role.FINANCE, Role.ADMIN),
    "dashboards.admin": signed_in(Role.ADMIN),
    "orgs.team": signed_in(Role.BRAND),
    "orgs.invite": signed_in(Role.BRAND, org_admin=True),
    "orgs.api_tokens": signed_in(Role.BRAND, org_admin=True),
    "orgs.revoke_api_token": signed_in(Role.BRAND, org_admin=True),
    "orgs.rotate_api_token": signed_in(Role.BRAND, org_admin=True),
    "admin.users": signed_in(Role.ADMIN),
    "admin.create_user": signed_in(Role.ADMIN),
    "admin.edit_user": signed_in(Role.ADMIN),
    "admin.set_user_active": signed_in(Role.ADMIN),
    "admin.outbox": signed_in(Role.ADMIN),
    "admin.pricing": signed_in(Role.ADMIN),
    "admin.pricing_table": signed_in(Role.ADMIN),
    "admin.activate_pricing": signed_in(Role.ADMIN),
    "catalog.browse": signed_in(),
    "catalog.detail": signed_in(),
    "catalog.mine": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.create": own_drafts(Role.OWNER),
    "catalog.edit": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.change_status": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.add_asset": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.edit_asset": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.delete_asset": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.audience": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.add_metric": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.review_metric": signed_in(Role.STAFF, Role.ADMIN),
    "catalog.evidence": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "catalog.add_manager": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    # An invitation is for the owner account with its e-mail; accepting reaches a listing
    # and its deals (a confirmed e-mail), seeing and leaving stay with the account.
    "catalog.manager_invitations": own_drafts(Role.OWNER),
    "catalog.answer_manager_invitation": signed_in(Role.OWNER),
    "catalog.leave_listing": own_drafts(Role.OWNER),
    "catalog.review_queue": signed_in(Role.STAFF, Role.ADMIN),
    "catalog.import_upload": signed_in(Role.STAFF, Role.ADMIN),
    "catalog.import_preview": signed_in(Role.STAFF, Role.ADMIN),
    "catalog.import_apply": signed_in(Role.STAFF, Role.ADMIN),
    "catalog.export": signed_in(Role.STAFF, Role.ADMIN),
    "health.upload": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "health.preview": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "health.confirm": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "health.discard": own_drafts(Role.OWNER, Role.STAFF, Role.ADMIN),
    "briefs.mine": signed_in(Role.BRAND),
    "briefs.create": own_drafts(Role.BRAND),
    "briefs.edit": own_drafts(Role.BRAND),
    "briefs.kpi_warnings": own_drafts(Role.BRAND),
    "briefs.submit": signed_in(Role.BRAND),
    "briefs.detail": signed_in(Role.BRAND, Role.STAFF, Role.ADMIN),
    "briefs.change_status": signed_in(Role.BRAND, Role.STAFF, Role.ADMIN),
    "briefs.comment": signed_in(Role.BRAND, Role.STAFF, Role.ADMIN),
    "briefs.compliance": signed_in(Role.STAFF, Role.ADMIN),
    "briefs.queue": signed_in(Role.STAFF, Role.ADMIN),
    # Matching and plans: the agency works; the brand sees proposed plans and decides.
    "matching.matches": signed_in(Role.STAFF, Role.ADMIN),
    "matching.compare": signed_in(Role.STAFF, Role.ADMIN),
    "matching.add_to_shortlist": signed_in(Role.STAFF, Role.ADMIN),
    "matching.shortlist": signed_in(Role.STAFF, Role.ADMIN),
    "matching.update_entry": signed_in(Role.STAFF, Role.ADMIN),
    "matching.build_plan": signed_in(Role.STAFF, Role.ADMIN),
    "matching.plan": signed_in(Role.BRAND, Role.STAFF, Role.ADMIN),
    "matching.propose": signed_in(Role.STAFF, Role.ADMIN),
    "matching.decide": signed_in(Role.BRAND),
    # Jobs: every signed-in user has a jobs page; the views show a user only the jobs they
    # started, and agency staff and admins every job (others' job ids answer 404).
    "jobs.index": signed_in(),
    "jobs.detail": signed_in(),
    "jobs.detail_json": signed_in(),
    "jobs.cancel": own_drafts(),
    # The deal desk: the services scope each deal (brands: their organisation's; owners: their
    # communities'; staff, admins, finance: all); finance reads only. Prices by role are the
    # projections' (deal_view), not the table's.
    "deals.index": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "deals.detail": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "deals.board": signed_in(Role.STAFF, Role.ADMIN),
    "deals.figures": signed_in(Role.STAFF, Role.ADMIN),
    "deals.send": signed_in(Role.STAFF, Role.ADMIN),
    "deals.accept": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "deals.decline": signed_in(Role.OWNER),
    "deals.counter": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "deals.withdraw": signed_in(Role.STAFF, Role.ADMIN),
    "deals.cancel": signed_in(Role.STAFF, Role.ADMIN),
    "deals.resume": signed_in(Role.STAFF, Role.ADMIN),
    "deals.amend": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "deals.redraft": signed_in(Role.STAFF, Role.ADMIN),
    "deals.pause_brief": signed_in(Role.STAFF, Role.ADMIN),
    "deals.replacements": signed_in(Role.STAFF, Role.ADMIN),
    "deals.agreement": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "deals.confirm": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "deals.agreement_pdf": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    # The inbox: every signed-in user has one; the services scope each row to its recipient.
    # Creative: every role that sees deals; the services scope each placement like its deal.
    "creative.placement": signed_in(),
    "creative.save_draft": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "creative.comment": signed_in(),
    "creative.decide": signed_in(Role.OWNER, Role.BRAND, Role.STAFF, Role.ADMIN),
    "creative.image": signed_in(),
    # Delivery: every role that sees deals sees their posts (the services scope each post like
    # its deal: brands their organisation's, owners their communities'); owners (and staff for
    # them) prove posts, staff verify or dispute. Delivery shows no money.
    "delivery.index": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "delivery.campaign": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "delivery.calendar": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "delivery.post": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "delivery.screenshot": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "delivery.submit_proof": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "delivery.decide": signed_in(Role.STAFF, Role.ADMIN),
    "inbox.index": signed_in(),
    "inbox.mark_read": own_drafts(),
    "inbox.mark_all_read": own_drafts(),
    "inbox.preferences": own_drafts(),
    # Results: every role that sees deals reads its campaigns (scoped like the deals; brands
    # never see margin or payouts, owners only their own placements); owners and staff enter
    # figures; staff pick highlights and open the pulse; the pulse survey itself is anonymous.
    "reports.index": signed_in(),
    "reports.campaign": signed_in(),
    "reports.figures": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "reports.upload": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "reports.from_export": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "reports.template": signed_in(Role.OWNER, Role.STAFF, Role.ADMIN),
    "reports.export_csv": signed_in(),
    "reports.export_xlsx": signed_in(),
    "reports.pdf": signed_in(),
    "reports.pick": signed_in(Role.STAFF, Role.ADMIN),
    "reports.open_pulse": signed_in(Role.STAFF, Role.ADMIN),
    "reports.pulse_survey": public(),
    # Tracked links. The redirect is public by design: whoever holds a link follows it, and it
    # only ever goes to the target stored with the link. The pages are scoped like the deals
    # (brands: their organisation's; owners: their communities'; the desk: all); brands and
    # agency staff create links, codes and redemption uploads, owners share the links.
    "links.follow": public(),
    "links.index": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "links.campaign": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "links.qr": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "links.qr_svg": signed_in(Role.BRAND, Role.OWNER, Role.STAFF, Role.ADMIN, Role.FINANCE),
    "links.create_all": signed_in(Role.BRAND, Role.STAFF, Role.ADMIN),
    "links.create_link": signed_in(Role.BRAND, Role.STAFF, Role.ADMIN),
    "links.add_code": signed_in(Role.BRAND, Role.STAFF, Role.ADMIN),
    "links.redemptions": signed_in(Role.BRAND, Role.STAFF, Role.ADMIN),
    # Payments: brands see their organisation's payments, owners their own payouts, the money
    # desk (staff, finance, admin) everything; the services scope every object.
    "payments.index": signed_in(Role.BRAND, Role.FINANCE, Role.ADMIN, Role.STAFF),
    "payments.pay": signed_in(Role.BRAND),
    "payments.payment_return": signed_in(Role.BRAND),
    "payments.refund": signed_in(Role.FINANCE, Role.ADMIN),
    "payments.owner": signed_in(Role.OWNER),
    "payments.onboard": signed_in(Role.OWNER),
    "payments.onboard_refresh": signed_in(Role.OWNER),
    "payments.onboard_return": signed_in(Role.OWNER),
    "payments.payouts": signed_in(Role.STAFF, Role.FINANCE, Role.ADMIN),
    "payments.verify": signed_in(Role.STAFF, Role.ADMIN),
    "payments.release": signed_in(Role.FINANCE, Role.ADMIN),
    "payments.dispute": signed_in(Role.BRAND),
    "payments.settle": signed_in(Role.STAFF, Role.ADMIN),
    "payments.reconciliation": signed_in(Role.FINANCE, Role.ADMIN),
    "payments.run_reconciliation": signed_in(Role.FINANCE, Role.ADMIN),
    "payments.resolve": signed_in(Role.FINANCE, Role.ADMIN),
    "payments.webhook": signed_webhook(),
    "api.openapi_document": public(),
    "api.me": api_token(),
    "api.brief_results": api_token(),
    "api.brief_metrics": api_token(),
    "api.list_communities": api_token(),
    "api.get_community": api_token(),
    "api.list_briefs": api_token(),
    "api.create_brief": api_token(),
    "api.get_brief": api_token(),
    "api.update_brief": api_token(),
    "api.submit_brief": api_token(),
    "api.brief_matches": api_token(),
    "api.brief_plan": api_token(),
    "api.list_deals": api_token(),
    "api.get_deal": api_token(),
    "api.deal_offers": api_token(),
    "api.deal_agreement": api_token(),
    "api.deal_creative": api_token(),
    "api.campaign_posts": api_token(),
    "api.post_proofs": api_token(),
    "api.brief_clicks": api_token(),
    "api.placement_clicks": api_token(),
}


class Decision(enum.Enum):
    """The outcome of checking a request against the table."""

    ALLOW = "allow"
    #: Not signed in (or no API token): ask for credentials.
    AUTHENTICATE = "authenticate"
    #: Signed in, but this role may not.
    FORBID = "forbid"
    #: Signed in with this role, but the account must confirm its e-mail first.
    VERIFY = "verify"


class Principal(Protocol):
    is_authenticated: bool
    role: Role
    is_org_admin: bool

    @property
    def email_verified(self) -> bool: ...


def decide(endpoint: str | None, user: Principal | None, method: str = "GET") -> Decision:
    """Decide whether `user` (None when anonymous) may use `endpoint` with `method`."""
    rule = POLICY.get(endpoint or "")
    if rule is None:
        return Decision.FORBID
    if rule.api_token:
        # Browsers' sessions never grant API access; the API checks the token itself.
        return Decision.ALLOW
    if user is None or not user.is_authenticated:
        return Decision.ALLOW if rule.anonymous else Decision.AUTHENTICATE
    if user.role not in rule.roles:
        return Decision.FORBID
    if rule.org_admin and not user.is_org_admin:
        return Decision.FORBID
    if (
        method not in READ_METHODS
        and not rule.anonymous  # what a visitor may do, an unconfirmed account may too
        and not rule.unverified
        and not getattr(user, "email_verified", True)
    ):
        return Decision.VERIFY
    return Decision.ALLOW
