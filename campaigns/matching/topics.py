# ruff: noqa: E501  (the cue and alias tables read best one topic a line)
"""Topics beyond the stored slugs: names in four languages, cues in text, and specificity.

Three jobs, all pure:

- :func:`resolve_topic` reads a brief's topic however it was written — a slug (``olim``), a
  synonym slug (``new_immigrants``), or a name in Hebrew, English, Arabic or Russian
  (``עולים חדשים``, ``репатрианты``) — and returns the catalog slug; a topic nothing knows stays
  free text (:func:`split_brief_topics`) and still counts in the text fit.
- :func:`detect_topics` finds the vocabulary's audiences in a community's own words, so a group
  whose owner ticked only "careers" but whose description says "new immigrants" carries the
  ``olim`` topic too (catalogs keep their old topic lists for a long time).
- :data:`TOPIC_LEVEL` marks broad topics ("tech", "careers", "local"...) at half weight; with
  the catalog's inverse document frequency it makes the specificity of a topic
  (``features.topic_specificity``), so sharing a broad topic cannot outrank the right audience.

docs/matching.md has the rules with worked examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from campaigns.matching.glossary import concept_topics
from campaigns.matching.text import TOPIC_WORDS, form_keys, form_matches, normalise, word_forms

#: Broad topics weigh half a specific one: umbrellas under which very different audiences
#: gather (tech, careers, local...), so sharing one says little about who the members are.
#: A product vertical is not one of them: a food community (recipes, diet, vegan cooking) is
#: about food as a fitness one is about fitness, and a food brand's brief names food as its
#: category, not as a channel — so "food" counts in full (issue 16, third round:
#: docs/matching.md, "Food is a vertical, not an umbrella"). Sustainability is a value that
#: runners, parents and vegans alike may share, not an audience: an umbrella (sixth round).
GENERIC_TOPICS = frozenset(
    {"tech", "careers", "local", "education", "culture", "b2b_professionals", "consumer_deals",
     "health", "women", "marketing", "sustainability"}
)  # fmt: skip
GENERIC_LEVEL = 0.5
#: The broad topic a brief for one city implies (components.is_local_brief).
LOCAL = "local"

#: The specific topics that say what a community is about (a vertical, an interest, a
#: condition), as against who its members are (parents, seniors, olim, students, Haredim —
#: ``AUDIENCE_TOPICS``). Every catalog topic is generic, a subject or an audience (a test keeps
#: the three covering the vocabulary). A city's group carrying a subject is a niche of the city,
#: not one of its general groups (``components.city_group_topics``; issue 16, eighth round).
SUBJECT_TOPICS = frozenset(
    {"cars", "dating", "defence", "design", "fashion", "finance", "fitness", "food", "gaming",
     "home_garden", "patients", "pets", "real_estate", "travel", "volunteering", "weddings"}
)  # fmt: skip
AUDIENCE_TOPICS = frozenset(
    {"alumni", "arab_society", "disability", "haredi", "lgbtq", "olim", "parenting", "religion",
     "religious", "reservists", "seniors", "small_business", "students", "youth"}
)  # fmt: skip


def topic_level(slug: str) -> float:
    """The curated level of a topic: 0.5 for a broad one, 1 for a specific one or free text."""
    return GENERIC_LEVEL if slug in GENERIC_TOPICS else 1.0


#: An umbrella-only brief's own subject (its message's words, read by the text fit) weighs this
#: share of its heaviest umbrella in the topic overlap (issue 16, sixth round).
SUBJECT_SHARE = 1.0


def umbrella_only(weights: Iterable[str]) -> bool:
    """Whether every topic of a brief is an umbrella (``GENERIC_TOPICS``): deals, education,
    tech... say little about who a community's members are, so the brief's own words must."""
    return all(topic_level(t) < 1.0 for t in weights)


#: Other names of each topic (besides its slug and its English and Hebrew labels), in
#: English, Hebrew, Arabic and Russian; slugs written with "_" or " " alike.
TOPIC_ALIASES: dict[str, tuple[str, ...]] = {
    "parenting": ("parents", "parenthood", "family", "families", "kids", "children", "הורים", "הורות", "משפחה", "ילדים", "الأهل", "أمهات", "родители", "мамы"),
    "women": ("woman", "mothers", "נשים", "אמהות", "نساء", "женщины"),
    "health": ("wellbeing", "wellness", "nutrition", "בריאות", "תזונה", "صحة", "здоровье"),
    "patients": ("caregivers", "chronic illness", "מטופלים", "חולים", "מטפלים", "مرضى", "пациенты"),
    "fitness": ("sport", "sports", "running", "ספורט", "כושר", "رياضة", "спорт"),
    "food": ("cooking", "recipes", "אוכל", "בישול", "طبخ", "еда", "кулинария"),
    "tech": ("technology", "hitech", "high tech", "hi tech", "startups", "הייטק", "טכנולוגיה", "تكنولوجيا", "хайтек", "технологии"),
    "marketing": ("advertising", "שיווק", "פרסום", "تسويق", "маркетинг"),
    "finance": ("money", "personal finance", "investing", "כסף", "השקעות", "مال", "финансы"),
    "real_estate": ("realestate", "property", "נדלן", "عقارات", "недвижимость"),
    "education": ("learning", "teachers", "חינוך", "למידה", "تعليم", "образование"),
    "careers": ("jobs", "employment", "work", "קריירה", "משרות", "תעסוקה", "وظائف", "работа", "карьера"),
    "alumni": ("graduates", "בוגרים", "خريجين", "выпускники"),
    "local": ("neighbourhood", "neighborhood", "residents", "שכונה", "תושבים", "محلي", "местные"),
    "culture": ("art", "arts", "music", "תרבות", "אמנות", "מוזיקה", "ثقافة", "культура"),
    "travel": ("tourism", "trips", "טיולים", "سفر", "путешествия"),
    "fashion": ("beauty", "אופנה", "יופי", "أزياء", "мода"),
    "gaming": ("games", "gamers", "esports", "גיימינג", "ألعاب", "игры"),
    "pets": ("animals", "dogs", "cats", "חיות", "כלבים", "حيوانات", "животные"),
    "sustainability": ("environment", "green", "climate", "קיימות", "סביבה", "بيئة", "экология"),
    "consumer_deals": ("deals", "shopping", "discounts", "מבצעים", "צרכנות", "عروض", "скидки"),
    "dating": ("relationships", "singles", "היכרויות", "רווקים", "تعارف", "знакомства"),
    "lgbtq": ("lgbt", "gay", "pride", "גאווה", "להטב", "млгбт", "مثليين"),
    "religion": ("tradition", "judaism", "faith", "דת", "מסורת", "יהדות", "دين", "религия"),
    "defence": ("defense", "army", "military", "security", "צבא", "ביטחון", "جيش", "армия"),
    "b2b_professionals": ("b2b", "professionals", "business", "אנשי מקצוע", "مهنيين", "профессионалы"),
    "seniors": ("elderly", "retirees", "pensioners", "older adults", "senior citizens", "גמלאים", "גיל הזהב", "קשישים", "אזרחים ותיקים", "كبار السن", "المتقاعدين", "пенсионеры", "пожилые"),
    "olim": ("new immigrants", "immigrants", "aliyah", "olim chadashim", "עולים", "עולים חדשים", "עלייה וקליטה", "المهاجرين الجدد", "репатрианты", "новые репатрианты", "алия"),
    "students": ("university students", "college students", "student", "סטודנטים", "طلاب", "студенты"),
    "reservists": ("reserve duty", "reservist families", "military reservists", "miluim", "מילואים", "מילואימניקים", "משרתי מילואים", "جنود الاحتياط", "резервисты", "милуим"),
    "religious": ("dati", "datiim", "religious zionist", "modern orthodox", "religious community", "דתיים", "דתיים לאומיים", "ציונות דתית", "متدينين", "религиозные"),
    "haredi": ("haredim", "charedi", "ultra orthodox", "ultraorthodox", "חרדים", "חרדי", "הציבור החרדי", "الحريديم", "харедим", "ультраортодоксы"),
    "design": ("graphic design", "ux", "ui", "ux design", "product design", "designers", "עיצוב", "מעצבים", "تصميم", "дизайн"),
    "volunteering": ("volunteers", "volunteer", "nonprofit", "non profit", "ngo", "charity", "התנדבות", "מתנדבים", "עמותות", "تطوع", "волонтерство", "волонтеры"),
    "arab_society": ("arab", "arabs", "arab community", "arab israelis", "החברה הערבית", "המגזר הערבי", "المجتمع العربي", "арабское общество"),
    "disability": ("accessibility", "disabilities", "special needs", "נגישות", "מוגבלות", "צרכים מיוחדים", "إعاقة", "инвалидность"),
    "small_business": ("smb", "smbs", "small businesses", "freelancers", "self employed", "עסקים קטנים", "עצמאים", "مصالح صغيرة", "малый бизнес"),
    "home_garden": ("home", "garden", "gardening", "diy", "renovation", "בית וגינה", "גינון", "שיפוצים", "منزل وحديقة", "дом и сад"),
    "cars": ("automotive", "auto", "vehicles", "drivers", "רכב", "מכוניות", "سيارات", "автомобили"),
    "youth": ("teens", "teenagers", "teen", "young people", "נוער", "בני נוער", "מתבגרים", "شباب", "подростки", "молодежь"),
    "weddings": ("wedding", "brides", "חתונות", "חתונה", "أعراس", "свадьбы"),
}  # fmt: skip

#: Words that show a topic in a community's own text (or a brief's), in four languages. Only
#: words that name the audience unambiguously: "עולים" yes, "עלייה" (also "a rise") no,
#: "חרדים" yes, "חרדה" (anxiety) never. A cue of five letters or more also matches longer
#: words it starts (מילואים → מילואימניקים, design → designers); shorter cues match exactly.
TOPIC_CUES: dict[str, tuple[str, ...]] = {
    "seniors": ("גמלאים", "גמלאיות", "פנסיונרים", "גיל הזהב", "גיל השלישי", "קשישים", "אזרחים ותיקים", "בני 65", "נכדים", "סבים וסבתות", "seniors", "senior citizens", "retirees", "pensioners", "grandparents", "grandchildren", "elderly", "пенсионеры", "пожилые", "المسنين", "المتقاعدين", "كبار السن", "הגיל השלישי", "בני הגיל השלישי", "גמלאי", "פנסיונר", "פנסיונריות", "בני 60", "בני 70", "בני 75", "בני 80", "60 פלוס", "70 פלוס", "סבתות", "retiree", "pensioner", "older adults", "over 60", "over 65", "over 70", "golden age", "бабушки", "дедушки", "старшего возраста", "الجيل الذهبي", "المسنات"),
    "olim": ("עולים חדשים", "עולות חדשות", "עולה חדש", "עולה חדשה", "עולי", "קליטת עולים", "אולפן", "olim", "oleh", "olah", "aliyah", "alyah", "new immigrants", "anglos", "anglo community", "אנגלוסקסים", "репатриант", "ульпан", "алия", "المهاجرين الجدد", "new immigrant", "new olim", "олим", "новые репатрианты", "مهاجرين جدد"),
    "students": ("סטודנט", "סטודנטים", "סטודנטיות", "students", "student", "студент", "طلاب", "طالب جامعي", "undergraduates", "undergrad", "grad students", "graduate students", "סטודנטית", "طالبات", "طلاب الجامعات", "студентки"),
    "reservists": ("מילואים", "מילואימניק", "reservist", "reserve duty", "miluim", "milluim", "reserve soldiers", "резервист", "милуим", "الاحتياط"),
    "religious": ("דתיים", "דתיות", "דתייה", "הדתיים", "ציונות דתית", "דתיים לאומיים", "dati", "datiim", "religious", "modern orthodox", "религиозные", "متدينين", "דתי", "דתית", "דתיה", "כיפות סרוגות", "כיפה סרוגה", "סרוגים", "בני עקיבא", "religious zionist", "religious zionists", "dati leumi", "религиозн", "المتدينين"),
    "haredi": ("חרדים", "חרדי", "חרדית", "חרדיות", "החרדי", "החרדים", "בני ברק", "haredi", "haredim", "charedi", "chareidi", "chareidim", "ultra orthodox", "bnei brak", "харедим", "ультраортодокс", "الحريديم", "בנות סמינר", "המגזר החרדי", "charedim", "harediim", "חרדיים", "харедимы", "ультраортодоксальн", "حريديم"),
    "design": ("עיצוב", "מעצבים", "מעצבות", "מעצבי", "מעצב", "מעצבת", "טיפוגרפיה", "design", "designer", "figma", "ux", "ui", "дизайн", "تصميم", "مصمم"),
    "volunteering": ("התנדבות", "מתנדב", "מתנדבים", "מתנדבות", "עמותה", "עמותות", "volunteer", "nonprofit", "non profit", "ngo", "charity", "волонтер", "волонтёр", "تطوع", "متطوع", "מתנדבת", "גמח", "גמחים", "charities", "volunteering", "non profits", "nonprofits", "ngos", "волонтерск", "волонтёрск", "التطوع", "متطوعين"),
    "arab_society": ("החברה הערבית", "המגזר הערבי", "arab society", "arab community", "arab israelis", "المجتمع العربي", "арабское общество", "הציבור הערבי", "ערביי ישראל", "הערבים בישראל", "בדואים", "הבדואים", "arab sector", "arab israeli", "arab citizens", "bedouin", "الوسط العربي", "عرب الداخل", "البدو", "арабский сектор", "бедуин"),
    "disability": ("נגישות", "מוגבלות", "מוגבלויות", "צרכים מיוחדים", "כסא גלגלים", "disability", "disabilities", "disabled", "accessibility", "wheelchair", "special needs", "инвалид", "إعاقة", "נכים", "נכות", "עם מוגבלות", "כיסא גלגלים", "חירשים", "כבדי ראייה", "עיוורים", "deaf", "visually impaired", "people with disabilities", "ограниченными возможностями", "الاحتياجات الخاصة", "ذوي الإعاقة"),
    "small_business": ("עסקים קטנים", "עצמאים", "עצמאיות", "בעלי עסקים", "פרילנס", "פרילנסרים", "small business", "freelance", "self employed", "малый бизнес", "фрилансер", "مصالح صغيرة", "בעלות עסקים", "עסק קטן", "עוסק פטור", "עוסקים פטורים", "עוסק מורשה", "smes", "sme", "small business owners", "solopreneurs", "предпринимател", "самозанят", "أصحاب المصالح"),
    "home_garden": ("גינון", "גינות", "שיפוץ", "שיפוצים", "gardening", "garden", "renovation", "diy", "ремонт", "сад", "حديقة", "גינה", "גינת ירק", "home improvement", "gardeners", "дача", "дачник", "حدائق", "الحديقة"),
    "cars": ("רכב", "רכבים", "מכוניות", "cars", "automotive", "автомобил", "سيارات", "נהגים", "אופנועים", "רכב חשמלי", "drivers", "car owners", "motorcycles", "водител", "мотоцикл", "السائقين"),
    "youth": ("בני נוער", "נוער", "מתבגרים", "תלמידי תיכון", "teens", "teenagers", "youth", "high school", "подрост", "נערים", "נערות", "תיכוניסטים", "תיכוניסטיות", "adolescents", "teenage", "молодеж", "молодёж", "مراهقين", "المراهقين"),
    "weddings": ("חתונה", "חתונות", "כלות", "wedding", "brides", "свадьб", "أعراس", "מתחתנים", "זוגות מתחתנים", "חתן וכלה", "bridal", "engaged couples", "невест", "عرس", "العرس"),
}  # fmt: skip

#: Related topics: a community carrying only the related one earns this share of the brief
#: topic's weight (a Haredi brief and a community filed under "religion", a students' brief and
#: an "education" one). One direction each; read as "brief topic -> community topic".
RELATED_SHARE = 0.5
TOPIC_RELATED: dict[str, tuple[str, ...]] = {
    "haredi": ("religious", "religion"),
    "religious": ("religion", "haredi"),
    "religion": ("religious", "haredi"),
    "reservists": ("defence",),
    "defence": ("reservists",),
    "students": ("education",),
    "youth": ("education",),
    "seniors": ("health",),
    "design": ("culture",),
    "volunteering": ("local",),
    "small_business": ("b2b_professionals",),
    "b2b_professionals": ("small_business",),
    "patients": ("health",),
    "olim": (),
    # Homeowners: the people a home-energy, renovation or property brief is for gather in
    # home-and-garden groups (renovation, gardening, their own house) as much as in property
    # ones, and a property brief's buyers and owners are the same households (issue 16, third
    # round: docs/matching.md, "Related topics").
    "real_estate": ("home_garden",),
    "home_garden": ("real_estate",),
}

#: Cues shorter than this match whole words only.
PREFIX_MATCH_FROM = 5


def _key(text: str) -> str:
    return " ".join(normalise(text.replace("_", " ").replace("-", " ")).split())


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for slug, (en, he, _) in TOPIC_WORDS.items():
        for name in (slug, en, he, *TOPIC_ALIASES.get(slug, ())):
            index.setdefault(_key(name), slug)
    return index


class CueIndex:
    """Find the keys of a cue table (key -> cues, four languages) in a text. A cue of several
    words matches when they follow each other; each word may be inflected (``text.word_forms``:
    Hebrew and Arabic prefixes; ``text.form_keys``: Russian endings)."""

    def __init__(self, table: dict[str, tuple[str, ...]]) -> None:
        #: first word of a cue -> (key, rest of the cue's words)
        self.exact: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.prefix: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for slug, cues in table.items():
            for cue in cues:
                words = tuple(_key(cue).split())
                if not words:
                    continue
                for key, is_prefix in form_keys(words[0], PREFIX_MATCH_FROM):
                    target = self.prefix if is_prefix else self.exact
                    target.setdefault(key, []).append((slug, words[1:]))
        self.first_word_hits = lru_cache(maxsize=200_000)(self._first_word_hits)

    def _first_word_hits(self, word: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The cues whose first word is ``word`` or an inflection of it."""
        hits: list[tuple[str, tuple[str, ...]]] = []
        for form in word_forms(word):
            hits.extend(self.exact.get(form, ()))
            for n in range(PREFIX_MATCH_FROM, len(form) + 1):
                hits.extend(self.prefix.get(form[:n], ()))
        # A phrase's short first word may lose its prefix down to three letters: the words
        # after it must follow, so "לבני 70" is "בני 70" while "לבני" alone names nothing.
        for form in word_forms(word, hebrew_rest=3)[len(word_forms(word)) :]:
            hits.extend(hit for hit in self.exact.get(form, ()) if hit[1])
        return tuple(dict.fromkeys(hits))

    def detect(self, text: str, skip: frozenset[int] = frozenset()) -> frozenset[str]:
        """The keys whose cues appear in ``text`` (normalised like the TF-IDF text); a cue
        starting at a position in ``skip`` (words a longer glossary phrase covers) is not read."""
        words = _key(text).split()
        found: set[str] = set()
        for i, word in enumerate(words):
            if i in skip:
                continue
            for slug, rest in self.first_word_hits(word):
                if slug in found:
                    continue
                if not rest or _follows(words, i + 1, rest):
                    found.add(slug)
        return frozenset(found)


def _word_matches(cue: str, word: str) -> bool:
    return form_matches(cue, word, PREFIX_MATCH_FROM)


@lru_cache(maxsize=1)
def _topic_cues() -> CueIndex:
    return CueIndex(TOPIC_CUES)


def detect_topics(text: str) -> frozenset[str]:
    """Vocabulary topics whose cues appear in ``text`` (normalised like the TF-IDF text).

    A cue of several words matches when they follow each other (ignoring the prefix-stripped
    copies the normaliser inserts).
    """
    return _topic_cues().detect(text)


def _follows(words: Sequence[str], start: int, rest: tuple[str, ...]) -> bool:
    j = start
    for cue in rest:
        # skip at most one inserted prefix-stripped copy of the previous word
        if j < len(words) and _word_matches(cue, words[j]):
            j += 1
        elif j + 1 < len(words) and _word_matches(cue, words[j + 1]):
            j += 2
        else:
            return False
    return True


def resolve_topic(name: str) -> str | None:
    """The catalog slug a brief's topic names (slug, synonym or label in four languages)."""
    key = _key(name)
    if not key:
        return None
    slug = _alias_index().get(key)
    if slug is not None:
        return slug
    found = detect_topics(name)
    return next(iter(found)) if len(found) == 1 else None


@dataclass(frozen=True, slots=True)
class BriefTopics:
    """A brief's topics for matching: weights by slug, and what no vocabulary knows."""

    #: slug -> 1.0 for a topic the brief names (or an audience a glossary concept in its words
    #: names, CONCEPT_WEIGHT), DETECTED_WEIGHT for one only a topic cue in its text shows.
    weights: dict[str, float]
    #: Topics that resolve to nothing, kept as the brief's own words for the text fit.
    free_text: tuple[str, ...]


#: A topic found only in the brief's title or message counts half as much as a named one.
DETECTED_WEIGHT = 0.5
#: An audience a glossary concept names in the brief's words (babies, dogs, runners: the
#: ``topic`` column of glossary.csv) counts as a named topic (issue 16, eighth round): a brand
#: that says "car seats for babies" under "deals" names its audience as plainly as the topics
#: field would. Picked from 0.5, 0.75 and 1 by cross-validation (docs/matching.md).
CONCEPT_WEIGHT = 1.0


def split_brief_topics(topics: Iterable[str], title: str = "", message: str = "") -> BriefTopics:
    """Resolve a brief's topics; unknown ones become free text; cues in its text add topics."""
    weights: dict[str, float] = {}
    free: list[str] = []
    for name in topics:
        slug = resolve_topic(name)
        if slug is None:
            free.append(name.replace("_", " "))
        else:
            weights[slug] = 1.0
    cued, named = _found_topics(f"{title} {message}")
    for slug in cued:
        weights.setdefault(slug, DETECTED_WEIGHT)
    for slug in named:
        weights.setdefault(slug, CONCEPT_WEIGHT)
    return BriefTopics(weights, tuple(free))


@lru_cache(maxsize=4096)
def _found_topics(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The topics a brief's words show: by a cue, and by a glossary concept that names an
    audience (babies -> parenting, dogs -> pets); a cue inside a concept's longer phrase ("car"
    in "car seats") is that concept's. Cached: the explanation of each ranked row reads them."""
    named, covered = concept_topics(_key(text).split())
    cued = _topic_cues().detect(text, covered) - named
    return tuple(sorted(cued)), tuple(sorted(named))


def community_topics(topics: Sequence[str], own_text: str) -> tuple[str, ...]:
    """A community's stated topics, then the vocabulary topics its own words show."""
    stated = tuple(dict.fromkeys(topics))
    extra = sorted(detect_topics(own_text) - set(stated))
    return stated + tuple(extra)


def topic_credit(topic: str) -> tuple[tuple[str, float], ...]:
    """The topics that earn credit for a brief topic: itself (1) and its related ones."""
    return ((topic, 1.0),) + tuple((r, RELATED_SHARE) for r in TOPIC_RELATED.get(topic, ()))
