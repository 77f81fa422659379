# ruff: noqa: E501  (the topic table reads best one topic a line)
"""Text for topic fit: Hebrew/English normalisation, topic words, and the TF-IDF vectoriser.

Why character n-grams: Hebrew glues prepositions and articles to words (ו, ה, ב, ל, מ, ש, כ),
so "ולהורים" and "הורים" share no word but most of their 2-4 letter grams. ``char_wb`` grams
stay inside words, so word order and spacing do not matter. Text fit compares only the two sides' own words;
the controlled topics (``TOPIC_WORDS``: labels and words in four languages, and
``campaigns.matching.topics`` for aliases and cues) bridge an English brief to a Hebrew
community through the topic overlap instead (research/ecosystem.md section 6: TF-IDF alone
matches across languages 1 time in 8).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

#: Controlled topics: English label, Hebrew label, extra words in both languages. The slugs are
#: those of ``marketplace/catalog/vocab.py`` TOPICS (a unit test keeps them in step).
TOPIC_WORDS: dict[str, tuple[str, str, str]] = {
    "parenting": ("Parenting and family", "הורות ומשפחה", "parents kids children babies הורים ילדים תינוקות אמהות אבות"),
    "women": ("Women", "נשים", "women mothers empowerment נשים אישה העצמה"),
    "health": ("Health and wellbeing", "בריאות ורווחה", "health wellbeing nutrition doctors בריאות תזונה רופאים רווחה"),
    "patients": ("Patients and caregivers", "מטופלים ומטפלים", "patients caregivers illness chronic support מטופלים חולים מטפלים תמיכה כרוני"),
    "fitness": ("Sport and fitness", "ספורט וכושר", "sport fitness running training gym ספורט כושר ריצה אימונים"),
    "food": ("Food and cooking", "אוכל ובישול", "food cooking recipes restaurants אוכל בישול מתכונים מסעדות"),
    "tech": ("Technology and startups", "טכנולוגיה וסטארטאפים", "technology startups developers software הייטק טכנולוגיה סטארטאפים מפתחים תוכנה"),
    "marketing": ("Marketing and advertising", "שיווק ופרסום", "marketing advertising brands content שיווק פרסום מותגים תוכן"),
    "finance": ("Money and personal finance", "כסף וכלכלה אישית", "money finance investing savings pension כסף השקעות חיסכון פנסיה"),
    "real_estate": ("Real estate and construction", "נדלן ובנייה", "real estate apartments construction mortgage נדלן דירות בנייה משכנתא"),
    "education": ("Education and learning", "חינוך ולמידה", "education learning teachers students school חינוך למידה מורים סטודנטים בית ספר"),
    "careers": ("Careers and employment", "קריירה ותעסוקה", "careers jobs employment hiring קריירה משרות תעסוקה גיוס"),
    "alumni": ("Alumni", "בוגרים", "alumni graduates בוגרים בוגרות"),
    "local": ("Local and neighbourhood", "מקומי ושכונתי", "local neighbourhood neighbors city שכונה שכנים עיר מקומי"),
    "culture": ("Art and culture", "אמנות ותרבות", "art culture books music theatre אמנות תרבות ספרים מוזיקה תיאטרון"),
    "travel": ("Travel", "טיולים", "travel trips hiking abroad טיולים טיול מסלולים חול"),
    "fashion": ("Fashion and beauty", "אופנה ויופי", "fashion beauty style cosmetics אופנה יופי סטייל קוסמטיקה"),
    "gaming": ("Gaming", "גיימינג", "gaming games gamers esports גיימינג משחקים גיימרים"),
    "pets": ("Pets", "חיות מחמד", "pets dogs cats חיות מחמד כלבים חתולים"),
    "sustainability": ("Sustainability and environment", "קיימות וסביבה", "sustainability environment green recycling קיימות סביבה ירוק מחזור"),
    "consumer_deals": ("Deals and consumer tips", "מבצעים וצרכנות", "deals discounts consumer shopping מבצעים הנחות צרכנות קניות"),
    "dating": ("Dating and relationships", "היכרויות וזוגיות", "dating relationships singles היכרויות זוגיות רווקים"),
    "lgbtq": ("LGBTQ+", "קהילה גאה", "lgbtq pride gay קהילה גאה גאווה"),
    "religion": ("Religion and tradition", "דת ומסורת", "religion tradition faith דת מסורת אמונה"),
    "defence": ("Defence and security", "ביטחון", "defence security army reservists ביטחון צבא מילואים"),
    "b2b_professionals": ("Professionals (B2B)", "אנשי מקצוע", "professionals business b2b managers אנשי מקצוע עסקים מנהלים"),
    "seniors": ("Seniors and retirees", "גיל הזהב וגמלאים", "seniors retirees pensioners grandparents גמלאים פנסיונרים קשישים גיל הזהב كبار السن المتقاعدين пенсионеры пожилые"),
    "olim": ("New immigrants (olim)", "עולים חדשים", "olim new immigrants aliyah ulpan עולים חדשים עלייה קליטה אולפן المهاجرين الجدد репатрианты алия ульпан"),
    "students": ("Students", "סטודנטים", "students university college campus סטודנטים אוניברסיטה מכללה קמפוס طلاب جامعة студенты университет"),
    "reservists": ("Reservists and their families", "משרתי מילואים ומשפחותיהם", "reservists reserve duty families miluim מילואים מילואימניקים משפחות המילואים جنود الاحتياط резервисты милуим"),
    "religious": ("Religious (dati) community", "הציבור הדתי", "religious dati modern orthodox דתיים דתיות ציונות דתית متدينين религиозные"),
    "haredi": ("Haredi (ultra-Orthodox) community", "הציבור החרדי", "haredi haredim ultra orthodox חרדים חרדיות הציבור החרדי الحريديم харедим ультраортодоксы"),
    "design": ("Design", "עיצוב", "design designers graphic ux ui figma עיצוב מעצבים גרפיקה تصميم مصممين дизайн дизайнеры"),
    "volunteering": ("Volunteering and non-profits", "התנדבות ועמותות", "volunteering volunteers nonprofit charity התנדבות מתנדבים עמותות تطوع متطوعين волонтерство волонтеры"),
    "arab_society": ("Arab society", "החברה הערבית", "arab society community החברה הערבית המגזר הערבי المجتمع العربي арабское общество"),
    "disability": ("Disability and accessibility", "מוגבלות ונגישות", "disability accessibility special needs נגישות מוגבלות צרכים מיוחדים إعاقة инвалидность"),
    "small_business": ("Small business and freelancers", "עסקים קטנים ועצמאים", "small business freelancers self employed עסקים קטנים עצמאים פרילנס مصالح صغيرة малый бизнес"),
    "home_garden": ("Home and garden", "בית וגינה", "home garden gardening renovation diy בית גינון שיפוצים منزل حديقة дом сад ремонт"),
    "cars": ("Cars and mobility", "רכב ותחבורה", "cars drivers vehicles mobility רכב מכוניות נהגים سيارات автомобили"),
    "youth": ("Youth and teenagers", "נוער", "youth teens teenagers נוער בני נוער מתבגרים شباب подростки молодежь"),
    "weddings": ("Weddings and events", "חתונות ואירועים", "weddings brides events חתונות כלות אירועים أعراس свадьбы"),
}  # fmt: skip

_NIQQUD = re.compile("[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]")
_FINALS = str.maketrans("ךםןףץ", "כמנפצ")
#: Geresh, gershayim and quotes disappear inside words (צ'יפס, נדל"ן) rather than split them.
_INWORD = re.compile("[\"'\u05f3\u05f4\u2019\u201d]")
_NON_WORD = re.compile(r"[^\w]+")
_HEBREW_WORD = re.compile("^[\u05d0-\u05ea]+$")
#: One-letter prefixes: and, the, in, to, from, that, as.
PREFIXES = "והבלמשכ"


def unprefixed(word: str) -> list[str]:
    """The word and its forms without one or two Hebrew prefix letters (בבאר → באר, לבית → בית)."""
    out = [word]
    if len(word) >= 3 and word[0] in PREFIXES:
        out.append(word[1:])
        if len(word) >= 4 and word[1] in PREFIXES:
            out.append(word[2:])
    return out


#: Arabic clitics written onto a word: the article (ال), "to the" (لل), and a conjunction or
#: preposition before the article (وال، بال، فال، كال) or before the word (و، ف، ب، ل).
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")
_ARABIC_WORD = re.compile("^[\u0600-\u06ff]+$")
_CYRILLIC_WORD = re.compile("^[\u0400-\u04ff]+$")
#: Russian case and number endings, longest first (пенсионеры → пенсионер-, пожилые → пожил-).
_RUSSIAN_ENDINGS = tuple(
    sorted(
        ("ами", "ями", "ов", "ев", "ей", "ые", "ие", "ая", "яя", "ое", "ее", "ый", "ий", "ой",
         "ым", "им", "ых", "их", "ом", "ем", "ам", "ям", "ах", "ях", "а", "я", "ы", "и", "е",
         "о", "у", "ю", "ь", "й"),
        key=len,
        reverse=True,
    )
)  # fmt: skip
#: Stripping a clitic or an ending never leaves fewer letters than this (Hebrew: the same
#: floor as the text's prefix copies; a shorter rest is too often another word: מרכב ≠ רכב).
_HEBREW_REST = 4
#: The prefixes read off a four-letter word, leaving three (מ and ש are too often the word's
#: own first letter there: מרכב is a car body, not "from a car").
_SHORT_PREFIXES = "הבלו"
_ARABIC_REST = 3
_RUSSIAN_STEM = 5


def word_forms(word: str, hebrew_rest: int = _HEBREW_REST) -> tuple[str, ...]:
    """A normalised word and its forms without the clitics written onto it, for matching a
    vocabulary (topic cues, the glossary) against inflected text: Hebrew one- to three-letter
    prefixes (ולסטודנטים → לסטודנטים, סטודנטים) and Arabic ones (للطلاب → طلاب, والمتطوعين →
    متطوعين). The rest keeps at least ``hebrew_rest`` (4) Hebrew or three Arabic letters (a
    four-letter word may lose ה, ב, ל or ו: הפסח → פסח, לרכב → רכב); the
    first word of a vocabulary phrase may keep three, since the words after it must follow
    ("לבני 70" → "בני 70")."""
    out = [word]
    if _HEBREW_WORD.match(word) and len(word) == _HEBREW_REST and word[0] in _SHORT_PREFIXES:
        # "the", "in", "to", "and" before a three-letter word: הפסח, בשבת, לרכב (not מרכב).
        out.append(word[1:])
    elif _HEBREW_WORD.match(word):
        rest = word
        for _ in range(3):
            if len(rest) - 1 < hebrew_rest or rest[0] not in PREFIXES:
                break
            rest = rest[1:]
            out.append(rest)
    elif _ARABIC_WORD.match(word):
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= _ARABIC_REST:
                rest = word[len(prefix) :]
                out.append(rest)
                for article in ("ال",):  # و + ال..., ب + ال...
                    if rest.startswith(article) and len(rest) - 2 >= _ARABIC_REST:
                        out.append(rest[2:])
    return tuple(dict.fromkeys(out))


def form_keys(form: str, prefix_from: int) -> tuple[tuple[str, bool], ...]:
    """How a vocabulary word matches text words: (key, whether words that start with the key
    match too) pairs. Words of ``prefix_from`` letters or more match the words they start; a
    Russian word loses its case ending first (пенсионеры matches пенсионеров, пожилые пожилых);
    an Arabic word's article is dropped, as the text word's forms drop theirs. English needs
    nothing more: a vocabulary lists its singulars (an "anglos" cue must not match
    "Anglo-Saxon")."""
    if _ARABIC_WORD.match(form) and form.startswith("ال") and len(form) - 2 >= _ARABIC_REST:
        form = form[2:]  # للمسنين → مسنين, and the cue المسنين → مسنين
    elif _CYRILLIC_WORD.match(form):
        for ending in _RUSSIAN_ENDINGS:
            if form.endswith(ending) and len(form) - len(ending) >= _RUSSIAN_STEM:
                return ((form[: -len(ending)], True),)
    return ((form, len(form) >= prefix_from),)


def form_matches(form: str, word: str, prefix_from: int) -> bool:
    """Whether text ``word`` (or one of its ``word_forms``) is ``form`` or an inflection of it."""
    return any(
        w == key or (prefix and w.startswith(key))
        for key, prefix in form_keys(form, prefix_from)
        for w in word_forms(word)
    )


@dataclass(frozen=True, slots=True)
class TextConfig:
    """How text is normalised and vectorised (the judged set chose these defaults)."""

    ngram_min: int = 2
    ngram_max: int = 4
    #: Map final letters to their ordinary forms (ם→מ), so a word and its inflections agree.
    fold_finals: bool = True
    #: Add a copy of a Hebrew word without its one-letter prefix (ולהורים → להורים).
    strip_prefixes: bool = True
    sublinear_tf: bool = True
    min_df: int = 1
    #: Stop n-grams: drop those found in more than this share of communities, once that share
    #: is above ``max_df_floor`` communities (so a small catalog keeps every n-gram). Like stop
    #: words (" ה", "ים ", "ות "), they say nothing about a topic and cost the most to score.
    max_df: float = 0.05
    max_df_floor: int = 1000


DEFAULT_TEXT = TextConfig()


def normalise(text: str, config: TextConfig = DEFAULT_TEXT) -> str:
    """Lower-case, strip niqqud and punctuation, fold final letters, expand prefixed words."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _NIQQUD.sub("", text)
    text = _INWORD.sub("", text)
    if config.fold_finals:
        text = text.translate(_FINALS)
    words = [w for w in _NON_WORD.sub(" ", text).replace("_", " ").split() if w]
    if config.strip_prefixes:
        out: list[str] = []
        for word in words:
            out.append(word)
            if len(word) >= 5 and word[0] in PREFIXES and _HEBREW_WORD.match(word):
                out.append(word[1:])
        words = out
    return " ".join(words)


def topic_text(topics: Iterable[str]) -> str:
    """The bilingual words of controlled topics (unknown slugs contribute their slug)."""
    parts: list[str] = []
    for slug in topics:
        words = TOPIC_WORDS.get(slug)
        parts.extend(words if words is not None else (slug.replace("_", " "),))
    return " ".join(parts)


def community_text(
    name: str,
    description: str,
    dna: Sequence[str],
    member_type: str,
    common_denominator: str,
    tags: Sequence[str],
) -> str:
    """Everything a community says about itself, in its own words, as one document.

    No taxonomy words are added: they used to be appended to both sides, so two texts that
    shared a topic looked alike even when the community's own description did not match
    (the controlled topics count once, in the topic overlap).
    """
    return " ".join([name, description, *dna, member_type, common_denominator, " ".join(tags)])


def brief_text(title: str, message: str, free_topics: Sequence[str] = ()) -> str:
    """What the brand said in its own words: title, message and topics no vocabulary knows."""
    return " ".join([title, message, *free_topics])


def word_ngrams(word: str, lo: int, hi: int) -> list[str]:
    """Character n-grams of one word padded with spaces, as scikit-learn's ``char_wb`` does."""
    padded = f" {word} "
    grams: list[str] = []
    for n in range(lo, hi + 1):
        if len(padded) <= n:  # a short word counts once, whole
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class CharNgramTfidf:
    """TF-IDF over ``char_wb`` n-grams, built as (document x word) @ (word x n-gram).

    Identical n-grams to scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` with smooth idf,
    optional sublinear tf and L2 rows, but each distinct word is cut into n-grams once rather
    than once per occurrence: catalogs repeat words (topic words, places) so much that this
    makes fitting 100,000 communities about ten times faster.
    """

    def __init__(self, config: TextConfig = DEFAULT_TEXT) -> None:
        self.config = config
        self.vocabulary: dict[str, int] = {}
        self.idf: npt.NDArray[np.float64] = np.zeros(0)

    def _counts(
        self, texts: Sequence[str], *, grow: bool, grams: dict[str, int] | None = None
    ) -> sparse.csr_matrix:
        """Raw n-gram counts of ``texts`` over ``grams`` (the fitted n-grams by default).

        With ``grow``, n-grams not in ``grams`` are added to it (new columns at the end).
        """
        columns = self.vocabulary if grams is None else grams
        lo, hi = self.config.ngram_min, self.config.ngram_max
        vocab: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        for text in texts:
            indices.extend(
                vocab.setdefault(w, len(vocab)) for w in normalise(text, self.config).split()
            )
            indptr.append(len(indices))
        by_word = sparse.csr_matrix(
            (np.ones(len(indices)), indices, indptr), shape=(len(texts), max(1, len(vocab)))
        )
        by_word.sum_duplicates()
        rows: list[int] = []
        cols: list[int] = []
        for w, j in vocab.items():
            for gram in word_ngrams(w, lo, hi):
                col = columns.get(gram)
                if col is None:
                    if not grow:
                        continue
                    col = columns[gram] = len(columns)
                rows.append(j)
                cols.append(col)
        matrix = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)),
            shape=(max(1, len(vocab)), max(1, len(columns))),
        )
        return sparse.csr_matrix(by_word @ matrix)

    def counts(self, texts: Sequence[str], grams: dict[str, int]) -> sparse.csr_matrix:
        """Each text's raw n-gram counts (rows), new n-grams appended to ``grams`` (columns).

        What a build keeps per community, so a later build re-reads only changed texts: the
        counts of a text do not depend on any other text.
        """
        return self._counts(texts, grow=True, grams=grams)

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        counts = counts.copy()
        if self.config.sublinear_tf:
            counts.data = 1.0 + np.log(counts.data)
        counts = sparse.csr_matrix(counts @ sparse.diags(self.idf))
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        counts = sparse.csr_matrix(sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ counts)
        counts.eliminate_zeros()
        counts.sort_indices()
        return counts

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Learn the n-grams and their idf from ``texts``; return their L2-normalised rows."""
        grams: dict[str, int] = {}
        counts = self.counts(texts, grams)
        return sparse.csr_matrix(self.fit_counts(counts, list(grams)))

    def fit_counts(
        self, counts: sparse.csr_matrix, grams: Sequence[str] | npt.NDArray[np.str_]
    ) -> sparse.csc_matrix:
        """Learn the n-grams and idf from raw counts (rows: texts; columns: ``grams``).

        Returns the weighted, L2-normalised rows column-compressed (float64). The kept
        n-grams are numbered in sorted order, so the result depends only on the texts' counts,
        never on the order their n-grams were first met: a build that re-counted only changed
        texts gives the very arrays of one that counted every text.
        """
        n, width = counts.shape
        df = np.bincount(counts.indices, minlength=width)
        most = max(self.config.max_df * n, self.config.max_df_floor)
        # An n-gram no text has any more (an incremental build's leftovers) is dropped too.
        keep = np.flatnonzero((df >= max(1, self.config.min_df)) & (df <= most))
        names = np.asarray(grams, dtype=str)
        if len(names) < width:  # an empty vocabulary still has one (empty) column
            names = np.concatenate([names, np.full(width - len(names), "", dtype=names.dtype)])
        order = keep[np.argsort(names[keep], kind="stable")]
        self.vocabulary = {gram: i for i, gram in enumerate(names[order].tolist())}
        # The kept columns, renumbered, without touching the rows' order.
        new_column = np.full(width, -1, dtype=np.int64)
        new_column[order] = np.arange(len(order))
        mapped = new_column[counts.indices]
        mask = mapped >= 0
        indptr = np.concatenate(([0], np.cumsum(mask)))[counts.indptr]
        kept = sparse.csr_matrix(
            (counts.data[mask].astype(np.float64), mapped[mask], indptr),
            shape=(n, len(order)),
        ).tocsc()
        self.idf = np.log((1.0 + n) / (1.0 + df[order].astype(np.float64))) + 1.0
        data = kept.data
        if self.config.sublinear_tf:
            data = 1.0 + np.log(data)
        columns = np.repeat(np.arange(kept.shape[1]), np.diff(kept.indptr))
        data = data * self.idf[columns]
        norms = np.sqrt(np.bincount(kept.indices, weights=data * data, minlength=n))
        data = data / np.where(norms > 0, norms, 1.0)[kept.indices]
        return sparse.csc_matrix((data, kept.indices, kept.indptr), shape=kept.shape)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Rows for new texts over the fitted n-grams (unknown n-grams are dropped)."""
        counts = self._counts(texts, grow=False)
        return self._weigh(sparse.csr_matrix(counts[:, : len(self.idf)]))
