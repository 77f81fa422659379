"""Tracked-link pages, and the public redirect ``/r/<slug>`` every click goes through.

The redirect is the hot path: a slug of the wrong shape is a 404 before the database is
asked; a known one costs one INSERT (on PostgreSQL after an advisory lock on the link ×
visitor, so simultaneous clicks count once; its target is read once per process, by one
indexed SELECT, and kept: it never changes), then a 302 to the target stored with the link, whatever
the request carries. No ORM object, no template, no session cookie for the anonymous visitor
it is for. The click is the request's only write, so it runs in its own short transaction on
the engine (``engine.begin()``: committed when the block ends, rolled back on error) instead
of the ORM session's ``unit_of_work``, whose bookkeeping cost more than the INSERT itself
(``benchmarks/redirect.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse as parse_limit
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from campaigns import tracking
from marketplace import ratelimits
from marketplace.db import utcnow
from marketplace.extensions import client_network, db, limiter
from marketplace.links import redemptions as uploads
from marketplace.links import services
from marketplace.links.forms import (
    CampaignLinksForm,
    CreateLinkForm,
    PromoCodeForm,
    RedemptionsForm,
)
from marketplace.links.services import (
    InvalidDestination,
    InvalidPromoCode,
    LinkExists,
    LinkNotFound,
    PlacementNotAgreed,
    PromoCodeExists,
    PromoCodeTaken,
)
from marketplace.web import unit_of_work

bp = Blueprint("links", __name__)

#: The longest user agent kept for hashing (real ones are a few hundred characters).
MAX_AGENT_CHARS = 512
SALT_KEY = "links.daily_salt"
TARGETS_KEY = "links.targets"
MAX_CACHED_TARGETS = 10_000


def _user() -> Any:
    return current_user._get_current_object()  # noqa: SLF001 - the real User for the services


def _salt(day: dt.date) -> bytes:
    """The day's visitor-hash salt, derived from the secret once a day per process."""
    cached = current_app.extensions.get(SALT_KEY)
    if cached is None or cached[0] != day:
        cached = (day, tracking.daily_salt(current_app.config["SECRET_KEY"], day))
        current_app.extensions[SALT_KEY] = cached
    salt: bytes = cached[1]
    return salt


#: SQLite lets one writer in at a time and makes the others wait in its busy handler, which
#: sleeps 1, 2, 5, 10 … 100 ms between tries; threads of one process queue here instead, in
#: microseconds, so only the other processes' writes are waited for that way.
_SQLITE_WRITER = threading.Lock()


@contextmanager
def _one_writer() -> Iterator[None]:
    if db.engine.dialect.name == "sqlite":
        with _SQLITE_WRITER:
            yield
    else:
        yield


def _target(slug: str) -> tuple[int, str] | None:
    """(link id, target) by slug, kept per process: a link's target never changes once made."""
    cache: dict[str, tuple[int, str]] = current_app.extensions.setdefault(TARGETS_KEY, {})
    found = cache.get(slug)
    if found is None:
        found = services.find_target(db.session, slug)
        if found is not None:
            if len(cache) >= MAX_CACHED_TARGETS:
                cache.clear()  # crude, and enough: a campaign has tens of links, not thousands
            cache[slug] = found
    return found


def _burst(link_id: int, salt: bytes) -> bool:
    """Whether this client address has clicked this link more than CLICK_BURST_LIMIT allows.

    Counted in the rate limiter's storage (Redis, shared by the workers), by link and a
    pseudonym of the client's network alone (its IPv4 address or IPv6 /64; never the raw
    address): the visitor hash mixes in the user
    agent, so a script changing its user agent on every request would otherwise be a new
    unique visitor each time. A storage failure counts nothing: the visitor still gets through.
    """
    if not limiter.enabled:
        return False
    address = tracking.visitor_hash(client_network(), "", salt)
    try:
        limit = parse_limit(str(current_app.config["CLICK_BURST_LIMIT"]))
        return not limiter.limiter.hit(limit, "link-burst", str(link_id), address)
    except Exception:  # noqa: BLE001 - the limiter's storage is down: count the click
        current_app.logger.warning("click burst check failed", exc_info=True)
        return False


@bp.get("/r/<slug>")
# A flood from one address is refused before it writes a row (all links, every method).
@limiter.limit(lambda: str(current_app.config["CLICK_RATE_LIMIT"]))
def follow(slug: str) -> ResponseReturnValue:
    """Record the click and send the visitor to the link's stored target (302)."""
    if not tracking.is_slug(slug):
        raise LinkNotFound()
    found = _target(slug)
    if found is None:
        raise LinkNotFound()
    link_id, target = found
    at = utcnow()
    agent = request.headers.get("User-Agent", "")[:MAX_AGENT_CHARS]
    salt = _salt(at.date())
    visitor = tracking.visitor_hash(request.remote_addr or "", agent, salt)
    # A HEAD request fetches no page: a preview or a checker, never a person following a link;
    # one address clicking one link again and again is a script, whatever agent it claims.
    bot = request.method == "HEAD" or tracking.is_bot(agent) or _burst(link_id, salt)
    try:
        with _one_writer(), db.engine.begin() as connection:
            services.record_click(connection, link_id, at=at, visitor=visitor, bot=bot)
    except IntegrityError:  # the link was removed behind this process's back
        current_app.extensions.get(TARGETS_KEY, {}).pop(slug, None)
        raise LinkNotFound() from None
    response = Response(status=302)
    response.headers["Location"] = target
    response.headers["Cache-Control"] = "no-store"
    return response


# --- pages ------------------------------------------------------------------------------------


@bp.get("/links/")
def index() -> ResponseReturnValue:
    """The campaigns whose placements the user sees, with how many have links."""
    rows = services.campaigns_of(db.session, _user())
    return render_template("links/index.html", rows=rows)


def _campaign_page(
    brief_id: int, *, forms: dict[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    user = _user()
    campaign = services.campaign_links(db.session, brief_id, user)
    forms = forms or {}
    return render_template(
        "links/campaign.html",
        campaign=campaign,
        manage=services.can_manage(user),
        short_urls={
            row.link.id: services.short_url(row.link.slug) for row in campaign.rows if row.link
        },
        all_form=forms.get("all") or CampaignLinksForm(formdata=None),
        link_form=CreateLinkForm(formdata=None),
        code_form=PromoCodeForm(formdata=None),
        failed=forms.get("placement"),
        failed_form=forms.get("form"),
    ), status


@bp.get("/links/campaign/<int:brief_id>")
def campaign(brief_id: int) -> ResponseReturnValue:
    """A campaign's placements: each one's link, QR, promo code, clicks and redemptions."""
    return _campaign_page(brief_id)


_LINK_ERRORS = (InvalidDestination, LinkExists, PlacementNotAgreed)


@bp.post("/links/campaign/<int:brief_id>/links")
def create_all(brief_id: int) -> ResponseReturnValue:
    """A link to one landing page for every agreed placement that has none yet."""
    form = CampaignLinksForm()
    if not form.validate_on_submit():
        services.get_campaign(db.session, brief_id, _user())
        return _campaign_page(brief_id, forms={"all": form}, status=400)
    with unit_of_work(*_LINK_ERRORS) as work:
        made = services.create_links_for_campaign(
            db.session, brief_id, form.destination.data or "", actor=_user()
        )
        work_message = _("%(n)s link(s) created.", n=len(made))
    if work.error is not None:
        form.destination.errors = [work.error.message]
        return _campaign_page(brief_id, forms={"all": form}, status=422)
    flash(work_message, "success")
    return redirect(url_for("links.campaign", brief_id=brief_id))


@bp.post("/links/placement/<int:placement_id>/link")
def create_link(placement_id: int) -> ResponseReturnValue:
    """The placement's short link to a landing page."""
    placement = services.get_placement(db.session, placement_id, _user())
    brief_id = placement.deal.brief_id
    form = CreateLinkForm()
    if not form.validate_on_submit():
        return _campaign_page(brief_id, forms={"placement": placement_id, "form": form}, status=400)
    with unit_of_work(*_LINK_ERRORS, success=_("The link was created.")) as work:
        services.create_link(db.session, placement_id, form.destination.data or "", actor=_user())
    if work.error is not None:
        form.destination.errors = [work.error.message]
        return _campaign_page(brief_id, forms={"placement": placement_id, "form": form}, status=422)
    return redirect(url_for("links.campaign", brief_id=brief_id) + f"#placement-{placement_id}")


@bp.post("/links/placement/<int:placement_id>/code")
def add_code(placement_id: int) -> ResponseReturnValue:
    """The placement's promo code."""
    placement = services.get_placement(db.session, placement_id, _user())
    brief_id = placement.deal.brief_id
    form = PromoCodeForm()
    if not form.validate_on_submit():
        return _campaign_page(brief_id, forms={"placement": placement_id, "form": form}, status=400)
    errors = (InvalidPromoCode, PromoCodeTaken, PromoCodeExists, PlacementNotAgreed)
    with unit_of_work(*errors, success=_("The promo code was added.")) as work:
        services.add_promo_code(db.session, placement_id, form.code.data or "", actor=_user())
    if work.error is not None:
        form.code.errors = [work.error.message]
        return _campaign_page(brief_id, forms={"placement": placement_id, "form": form}, status=422)
    return redirect(url_for("links.campaign", brief_id=brief_id) + f"#placement-{placement_id}")


def _qr(link_id: int) -> tuple[Any, Any, str]:
    """The link the user may see, its QR code and the short URL the code holds."""
    link = services.get_link(db.session, link_id, _user())
    url = services.short_url(link.slug)
    return link, segno.make(url, error="m"), url


@bp.get("/links/<int:link_id>/qr")
def qr(link_id: int) -> ResponseReturnValue:
    """The link's QR code, drawn here as SVG (no outside service sees the link)."""
    link, code, url = _qr(link_id)
    svg = code.svg_inline(scale=6, title=url)
    return render_template("links/qr.html", link=link, url=url, svg=svg)


@bp.get("/links/<int:link_id>/qr.svg")
def qr_svg(link_id: int) -> ResponseReturnValue:
    """The QR code as an SVG file to download and print."""
    _link, code, url = _qr(link_id)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=10, border=4, xmldecl=True, title=url)
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Content-Disposition"] = f'attachment; filename="kesher-link-{link_id}.svg"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/links/campaign/<int:brief_id>/redemptions", methods=["GET", "POST"])
@ratelimits.file_upload
def redemptions(brief_id: int) -> ResponseReturnValue:
    """Upload the orders that used the campaign's promo codes: all rows, or none."""
    user = _user()
    brief = services.get_campaign(db.session, brief_id, user)
    if not services.can_manage(user):
        raise services.NotAllowed()
    form = RedemptionsForm()
    plan = None
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("links/redemptions.html", brief=brief, form=form, plan=None), 400
        upload = form.file.data
        data = upload.read(uploads.MAX_UPLOAD_BYTES + 1)
        filename = upload.filename or "redemptions.csv"
        with unit_of_work(uploads.RedemptionsRefused) as work:
            plan = uploads.upload_redemptions(db.session, brief.id, data, filename, actor=user)
        if work.error is not None:  # rolled back: nothing of the file was written
            return render_template(
                "links/redemptions.html", brief=brief, form=form, plan=work.error.plan
            ), 422
        flash(_("%(n)s redemption(s) recorded.", n=len(plan.rows)), "success")
        return redirect(url_for("links.campaign", brief_id=brief.id))
    return render_template("links/redemptions.html", brief=brief, form=form, plan=plan)
