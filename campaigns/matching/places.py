# ruff: noqa: E501  (the gazetteer reads best one city a line)
"""Cities: which places a brief names and where a community is, for the place fit.

A brief for a shop opening in one city used to treat every community of the city's region as
local, and every nationwide community as local too. ``detect_cities`` finds the cities a text
names (Hebrew with its one- and two-letter prefixes — "בבאר שבע", "ולתל אביב" — English,
Arabic, Russian); ``place_fit`` (components.py) then prefers the named city, then its
region, and scores a nationwide community by the share of its members who live in that
region. docs/matching.md has the rule and a worked example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from campaigns.matching.text import normalise, unprefixed, word_forms

#: city slug -> (CBS district as the catalog's region slug, English name, Hebrew name, other names)
CITIES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "tel_aviv": ("tel_aviv", "Tel Aviv", "תל אביב", ("tel aviv yafo", "tel-aviv", "תל אביב יפו", "תל-אביב", "יפו", "jaffa", "tlv", "تل أبيب", "тель авив", "тель-авив")),
    "jerusalem": ("jerusalem", "Jerusalem", "ירושלים", ("القدس", "иерусалим")),
    "haifa": ("haifa", "Haifa", "חיפה", ("حيفا", "хайфа")),
    "beersheba": ("south", "Beersheba", "באר שבע", ("beer sheva", "be'er sheva", "beersheva", "ב\"ש", "بئر السبع", "беэр шева", "беэр-шева")),
    "ashdod": ("south", "Ashdod", "אשדוד", ("أسدود", "ашдод")),
    "ashkelon": ("south", "Ashkelon", "אשקלון", ("عسقلان", "ашкелон")),
    "eilat": ("south", "Eilat", "אילת", ("إيلات", "эйлат")),
    "dimona": ("south", "Dimona", "דימונה", ("ديمونا", "димона")),
    "sderot": ("south", "Sderot", "שדרות", ("сдерот",)),
    "rahat": ("south", "Rahat", "רהט", ("رهط",)),
    "netanya": ("center", "Netanya", "נתניה", ("نتانيا", "нетания")),
    "rishon_lezion": ("center", "Rishon LeZion", "ראשון לציון", ("rishon lezion", "rishon", "ראשלצ", "ريشون لتسيون", "ришон ле цион", "ришон-ле-цион")),
    "petah_tikva": ("center", "Petah Tikva", "פתח תקווה", ("petach tikva", "פתח תקוה", "بيتح تكفا", "петах тиква")),
    "rehovot": ("center", "Rehovot", "רחובות", ("реховот",)),
    "modiin": ("center", "Modi'in", "מודיעין", ("modiin", "модиин")),
    "kfar_saba": ("center", "Kfar Saba", "כפר סבא", ("кфар саба",)),
    "raanana": ("center", "Ra'anana", "רעננה", ("raanana", "раанана")),
    "ness_ziona": ("center", "Ness Ziona", "נס ציונה", ("нес циона",)),
    "lod": ("center", "Lod", "לוד", ("اللد", "лод")),
    "ramla": ("center", "Ramla", "רמלה", ("الرملة", "рамле")),
    "holon": ("tel_aviv", "Holon", "חולון", ("холон",)),
    "bat_yam": ("tel_aviv", "Bat Yam", "בת ים", ("бат ям",)),
    "ramat_gan": ("tel_aviv", "Ramat Gan", "רמת גן", ("рамат ган",)),
    "givatayim": ("tel_aviv", "Givatayim", "גבעתיים", ("гиватаим",)),
    "herzliya": ("tel_aviv", "Herzliya", "הרצליה", ("герцлия",)),
    "ramat_hasharon": ("tel_aviv", "Ramat HaSharon", "רמת השרון", ("ramat hasharon",)),
    "bnei_brak": ("tel_aviv", "Bnei Brak", "בני ברק", ("бней брак",)),
    "hadera": ("haifa", "Hadera", "חדרה", ("хадера",)),
    "umm_al_fahm": ("haifa", "Umm al-Fahm", "אום אל פחם", ("umm al fahm", "أم الفحم")),
    "nazareth": ("north", "Nazareth", "נצרת", ("الناصرة", "назарет")),
    "nof_hagalil": ("north", "Nof HaGalil", "נוף הגליל", ("nazareth illit", "נצרת עילית", "нацрат илит", "нацрат-илит", "ноф а-галиль")),
    "karmiel": ("north", "Karmiel", "כרמיאל", ("كرميئيل", "кармиэль")),
    "kiryat_shmona": ("north", "Kiryat Shmona", "קריית שמונה", ("קרית שמונה", "кирьят шмона")),
    "tiberias": ("north", "Tiberias", "טבריה", ("طبريا", "тверия")),
    "afula": ("north", "Afula", "עפולה", ("العفولة", "афула")),
    "acre": ("north", "Acre", "עכו", ("akko", "عكا", "акко")),
    "nahariya": ("north", "Nahariya", "נהריה", ("نهاريا", "нагария")),
    "ariel": ("judea_samaria", "Ariel", "אריאל", ("ариэль",)),
    "maale_adumim": ("judea_samaria", "Ma'ale Adumim", "מעלה אדומים", ("maale adumim", "маале адумим")),
    "beit_shemesh": ("jerusalem", "Beit Shemesh", "בית שמש", ("бейт шемеш",)),
    "yavne": ("center", "Yavne", "יבנה", ("yavneh", "يبنا", "явне")),
    "rosh_haayin": ("center", "Rosh HaAyin", "ראש העין", ("rosh haayin", "rosh ha'ayin", "рош ха-айн", "рош ха айн")),
    "hod_hasharon": ("center", "Hod HaSharon", "הוד השרון", ("hod hasharon", "ход ха-шарон", "ход ха шарон")),
    "yehud": ("center", "Yehud", "יהוד", ("yehud monosson", "יהוד מונוסון", "иегуд")),
    "givat_shmuel": ("center", "Givat Shmuel", "גבעת שמואל", ("гиват шмуэль",)),
    "tayibe": ("center", "Tayibe", "טייבה", ("taibe", "الطيبة", "тайбе")),
    "kafr_qasim": ("center", "Kafr Qasim", "כפר קאסם", ("kafr kassem", "كفر قاسم", "кафр касем")),
    "kiryat_ono": ("tel_aviv", "Kiryat Ono", "קריית אונו", ("kiryat ono", "קרית אונו", "кирьят оно")),
    "or_yehuda": ("tel_aviv", "Or Yehuda", "אור יהודה", ("ор йехуда", "ор иегуда")),
    "kiryat_gat": ("south", "Kiryat Gat", "קריית גת", ("kiryat gat", "קרית גת", "كريات جات", "кирьят гат")),
    "kiryat_malachi": ("south", "Kiryat Malachi", "קריית מלאכי", ("kiryat malakhi", "קרית מלאכי", "кирьят малахи")),
    "arad": ("south", "Arad", "ערד", ("عراد", "арад")),
    "yeruham": ("south", "Yeruham", "ירוחם", ("yerucham", "йерухам")),
    "safed": ("north", "Safed", "צפת", ("tzfat", "zefat", "صفد", "цфат")),
    "yokneam": ("north", "Yokneam", "יקנעם", ("yokneam illit", "יקנעם עילית", "йокнеам")),
    "migdal_haemek": ("north", "Migdal HaEmek", "מגדל העמק", ("migdal haemek", "мигдаль ха-эмек")),
    "maalot": ("north", "Ma'alot-Tarshiha", "מעלות תרשיחא", ("maalot", "מעלות-תרשיחא", "معالوت ترشيحا", "маалот")),
    "beit_shean": ("north", "Beit She'an", "בית שאן", ("beit shean", "بيسان", "бейт шеан")),
    "sakhnin": ("north", "Sakhnin", "סח'נין", ("סחנין", "سخنين", "сахнин")),
    "shefa_amr": ("north", "Shefa-Amr", "שפרעם", ("shfaram", "شفاعمرو", "шфарам")),
    "katzrin": ("north", "Katzrin", "קצרין", ("qatzrin", "кацрин")),
    "kiryat_ata": ("haifa", "Kiryat Ata", "קריית אתא", ("kiryat ata", "קרית אתא", "кирьят ата")),
    "kiryat_bialik": ("haifa", "Kiryat Bialik", "קריית ביאליק", ("kiryat bialik", "קרית ביאליק", "кирьят бялик")),
    "kiryat_motzkin": ("haifa", "Kiryat Motzkin", "קריית מוצקין", ("kiryat motzkin", "קרית מוצקין", "кирьят моцкин")),
    "kiryat_yam": ("haifa", "Kiryat Yam", "קריית ים", ("kiryat yam", "קרית ים", "кирьят ям")),
    "tirat_carmel": ("haifa", "Tirat Carmel", "טירת כרמל", ("tirat hacarmel", "טירת הכרמל", "тират кармель")),
    "zichron_yaakov": ("haifa", "Zichron Ya'akov", "זכרון יעקב", ("zichron yaakov", "zikhron yaakov", "זיכרון יעקב", "зихрон яаков")),
    "pardes_hanna": ("haifa", "Pardes Hanna-Karkur", "פרדס חנה", ("pardes hanna", "פרדס חנה כרכור", "пардес хана")),
    "or_akiva": ("haifa", "Or Akiva", "אור עקיבא", ("or akiva", "ор акива")),
    "caesarea": ("haifa", "Caesarea", "קיסריה", ("qesarya", "قيسارية", "кейсария")),
    "beitar_illit": ("judea_samaria", "Beitar Illit", "ביתר עילית", ("betar illit", "бейтар илит")),
    "modiin_illit": ("judea_samaria", "Modi'in Illit", "מודיעין עילית", ("modiin illit", "модиин илит")),
}  # fmt: skip


def city_region(city: str) -> str:
    return CITIES[city][0]


@dataclass(frozen=True, slots=True)
class _Names:
    #: first word -> (city, remaining words)
    first: dict[str, list[tuple[str, tuple[str, ...]]]]


def _words(text: str) -> list[str]:
    return text.replace("_", " ").replace("-", " ").split()


@lru_cache(maxsize=1)
def _names() -> _Names:
    first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for slug, (_region, en, he, other) in CITIES.items():
        for name in (en, he, *other):
            for words in _declined(_words(_plain(name))):
                entry = (slug, tuple(words[1:]))
                if entry not in first.setdefault(words[0], []):
                    first[words[0]].append(entry)
    return _Names(first)


def _declined(words: list[str]) -> list[list[str]]:
    """A city's name and the forms a sentence puts it in: a Russian name's last word in its
    cases ("в Нетании", "из Хайфы", "в Ашдоде"), an Arabic name without its article
    ("بحيفا" is read as حيفا, "بالناصرة" as ناصرة after the article)."""
    if not words:
        return []
    out = [words]
    last = words[-1]
    if _CYRILLIC.match(last) and len(last) >= 4:
        endings: tuple[str, ...]
        if last.endswith("ия"):
            stem, endings = last[:-2], ("ии", "ию", "ией")
        elif last[-1] in "ая":
            stem, endings = last[:-1], ("е", "у", "ы", "и", "ой", "ей")
        elif last[-1] in "ьй":
            stem, endings = last[:-1], ("я", "е", "ю", "и")
        else:
            stem, endings = last, ("е", "а", "у", "ом")
        out += [[*words[:-1], stem + e] for e in endings]
    if words[0].startswith("ال") and len(words[0]) > 4:
        out.append([words[0][2:], *words[1:]])
    return out


_CYRILLIC = re.compile(r"^[а-яё]+$")


def _plain(text: str) -> str:
    # normalise without the prefix-stripped copies: prefixes are handled while matching.
    from campaigns.matching.text import TextConfig

    return normalise(text, TextConfig(strip_prefixes=False))


def detect_cities(text: str) -> frozenset[str]:
    """The cities a text names (whole names, word by word; Hebrew prefixes allowed). A name
    inside a longer one it is part of is not a second city: "מודיעין עילית" is Modi'in Illit,
    not also Modi'in; "נצרת עילית" is Nof HaGalil, not also Nazareth."""
    words = _words(_plain(text))
    names = _names().first
    spans: set[tuple[int, int, str]] = set()
    for i, word in enumerate(words):
        forms = [*unprefixed(word), *(g for f in word_forms(word) for g in word_forms(f))]
        forms += [f[2:] for f in forms if f.startswith("ال") and len(f) > 4]
        for form in dict.fromkeys(forms):
            for slug, rest in names.get(form, ()):
                if tuple(words[i + 1 : i + 1 + len(rest)]) == rest:
                    spans.add((i, i + 1 + len(rest), slug))
    return frozenset(
        slug
        for start, end, slug in spans
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)
    )


def community_cities(city: str, name: str) -> frozenset[str]:
    """Where a community is: its city field, else the cities its name gives."""
    return detect_cities(city) or detect_cities(name)


def place_regions(cities: Sequence[str], brief_regions: Sequence[str]) -> set[str]:
    """The regions that count as "near": the named cities' and the brief's own (not nationwide)."""
    return {city_region(c) for c in cities} | {r for r in brief_regions if r != "nationwide"}


#: Phrases by which a brief says its audience is the whole country ("delivered anywhere in
#: Israel"): a city it also names is where the brand is, not where its buyers are (issue 16,
#: ninth round). Normalised as brief text is (finals folded, prefixes kept).
NATIONWIDE_PHRASES = (
    "anywhere in israel",
    "all over israel",
    "across israel",
    "throughout israel",
    "all over the country",
    "nationwide",
    "בכל הארצ",
    "לכל הארצ",
    "ברחבי הארצ",
    "מכל הארצ",
    "בכל רחבי הארצ",
    "לכל רחבי הארצ",
    "משלוח ארצי",
    "משלוחים ארציים",
)


def says_nationwide(text: str) -> bool:
    """Whether a brief's text says its audience is the whole country (``NATIONWIDE_PHRASES``)."""
    plain = " ".join(_words(_plain(text)))
    return any(p in plain for p in NATIONWIDE_PHRASES)


def brief_cities(title: str, message: str, free_topics: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The cities a brief names in its title, message or free-text topics, sorted."""
    return tuple(sorted(detect_cities(" ".join([title, message, *free_topics]))))


#: Place fit: the community is in a named city (1); elsewhere in a named city's region (0.5);
#: nationwide (0.1 + 0.4 x the share of its members living in those regions, unknown share
#: 0.5: between "elsewhere" and "in the region"); in another region (0.1, not 0, so one factor
#: does not zero the audience fit).
PLACE_SAME_CITY = 1.0
PLACE_SAME_REGION = 0.5
PLACE_ELSEWHERE = 0.1


def place_fit(
    in_city: bool, same_region: bool, nationwide: bool, region_share: float | None
) -> tuple[float, str]:
    """The place factor and how it was reached ("city", "region", "nationwide", "elsewhere")."""
    if in_city:
        return PLACE_SAME_CITY, "city"
    if same_region:
        return PLACE_SAME_REGION, "region"
    if nationwide:
        share = 0.5 if region_share is None else min(1.0, region_share)
        return PLACE_ELSEWHERE + (PLACE_SAME_REGION - PLACE_ELSEWHERE) * share, "nationwide"
    return PLACE_ELSEWHERE, "elsewhere"


def community_place(
    cities: Sequence[str],
    brief_regions: Sequence[str],
    city: str,
    name: str,
    region: str,
    region_shares: Mapping[str, int] | None,
) -> tuple[float, str, float | None]:
    """One community's place factor for a brief's cities, how it was reached, and the share
    of its members in the near regions (None when it reports no regions)."""
    regions = place_regions(cities, brief_regions)
    share = (
        sum(bp for b, bp in region_shares.items() if b.strip().lower() in regions) / 10_000
        if region_shares
        else None
    )
    fit, how = place_fit(
        bool(set(cities) & community_cities(city, name)),
        region in regions,
        region == "nationwide",
        share,
    )
    return fit, how, share
