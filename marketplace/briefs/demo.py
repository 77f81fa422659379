"""Demo briefs for `seed-demo`: a health-food brand's briefs in several states, and one English one.

They go through the services (so they obey the same rules as a brand's own) and are added
once: a brief whose title its organisation already has is skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from marketplace.auth.models import Organisation, User
from marketplace.briefs import services
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.db import SessionLike

#: (organisation, author e-mail, the brief (dates as days from today), where it ends up,
#:  comments as (e-mail, text))
DEMO_BRIEFS: list[tuple[str, str, dict[str, Any], BriefStatus, list[tuple[str, str]]]] = [
    (
        "שורשים מזון בריא",
        "maya@shorashim-foods.demo",
        {
            "goal": "awareness",
            "title": "ארוחות עשר בריאות לגן ולבית הספר",
            "message": "סדרת מתכונים של 10 דקות לארוחת עשר, עם המעדנים והחטיפים שלנו. רוצים "
            "שהורים ירגישו שיש פתרון בריא שילדים באמת אוכלים, בלי הטפה.",
            "audience": {
                "gender": ["female"],
                "age": ["25_34", "35_44"],
                "household": ["הורים לילדים בגן ובבית ספר יסודי"],
            },
            "topics": ["parenting", "food"],
            "avoid_topics": ["dating"],
            "platforms": ["whatsapp_community", "facebook_group", "instagram"],
            "languages": ["he"],
            "regions": ["center", "tel_aviv", "haifa"],
            "budget_minor": 1_800_000,
            "currency": "ILS",
            "starts_on": 21,
            "ends_on": 60,
            "kpis": {"reach": 60_000, "engagement_rate": 350},
        },
        BriefStatus.SUBMITTED,
        [("maya@shorashim-foods.demo", "אפשר לשלב גם מפגש טעימות בגן אחד כפיילוט?")],
    ),
    (
        "שורשים מזון בריא",
        "omer@shorashim-foods.demo",
        {
            "goal": "sales_leads",
            "title": "ויטמין D טבעוני לנשים 45+",
            "message": "תוסף ויטמין D3 מחזזית, טבעוני, במבצע השקה. חשוב לנו לדבר על מחסור "
            "בוויטמין D אחרי גיל המעבר בלי הבטחות רפואיות.",
            "audience": {"gender": ["female"], "age": ["45_54", "55_64"]},
            "topics": ["health", "women"],
            "platforms": ["facebook_group", "newsletter", "whatsapp_group"],
            "languages": ["he"],
            "budget_minor": 3_200_000,
            "currency": "ILS",
            "starts_on": 35,
            "ends_on": 80,
            "kpis": {"leads": 400, "clicks": 3_000},
            "regulated": ["health"],
        },
        BriefStatus.IN_PLANNING,
        [
            ("noa@kesher.demo", "אישרנו מול היועצת הרגולטורית: בלי טענות ריפוי, עם גילוי נאות."),
            ("omer@shorashim-foods.demo", "מעולה, נשלח נוסח מעודכן עד יום חמישי."),
        ],
    ),
    (
        "שורשים מזון בריא",
        "maya@shorashim-foods.demo",
        {
            "goal": "market_education",
            "title": "חטיף חלבון מקמח חומוס — השקה",
            "message": "להסביר לרצים ולמתאמנים למה חלבון צמחי מספיק להתאוששות אחרי אימון.",
            "audience": {"age": ["25_34", "35_44"]},
            "topics": ["fitness", "food"],
            "kpis": {"sales": 1_500},
        },
        BriefStatus.DRAFT,
        [],
    ),
    (
        "CloudNest Analytics",
        "dana@cloudnest.demo",
        {
            "goal": "product_pilot",
            "title": "Beta users for CloudNest dashboards",
            "message": "We are looking for 40 analysts and product managers to try our new "
            "Hebrew-first dashboards for six weeks and tell us what is missing.",
            "audience": {"occupation": ["data analysts", "product managers"]},
            "topics": ["tech", "b2b_professionals"],
            "platforms": ["slack", "linkedin_group", "whatsapp_community"],
            "languages": ["en", "he"],
            "budget_minor": 600_000,
            "currency": "USD",
            "starts_on": 14,
            "ends_on": 56,
            "kpis": {"participants": 40, "survey_responses": 30},
        },
        BriefStatus.SUBMITTED,
        [],
    ),
]


def _user(session: SessionLike, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def seed_briefs(session: SessionLike, *, today: dt.date | None = None) -> int:
    """Add the demo briefs whose organisation and people exist; return how many were added."""
    today = today or dt.date.today()
    staff = _user(session, "noa@kesher.demo")
    added = 0
    for org_name, email, spec, status, comments in DEMO_BRIEFS:
        author = _user(session, email)
        organisation = session.scalar(select(Organisation).where(Organisation.name == org_name))
        if author is None or organisation is None or author.organisation_id != organisation.id:
            continue
        exists = session.scalar(
            select(Brief.id).where(
                Brief.organisation_id == organisation.id, Brief.title == spec["title"]
            )
        )
        if exists is not None:
            continue
        data = dict(spec)
        for name in ("starts_on", "ends_on"):
            if name in data:
                data[name] = (today + dt.timedelta(days=data[name])).isoformat()
        brief = services.save_brief(session, data, actor=author)
        if status != BriefStatus.DRAFT:
            services.change_status(session, brief, BriefStatus.SUBMITTED, actor=author, today=today)
        if status == BriefStatus.IN_PLANNING and staff is not None:
            if brief.is_regulated:
                services.decide_compliance(
                    session, brief, approved=True, note="ללא טענות ריפוי; גילוי נאות.", actor=staff
                )
            services.change_status(session, brief, BriefStatus.IN_PLANNING, actor=staff)
        for commenter_email, text in comments:
            commenter = _user(session, commenter_email)
            if commenter is not None:
                services.add_comment(session, brief, text, actor=commenter)
        added += 1
    session.flush()
    return added
