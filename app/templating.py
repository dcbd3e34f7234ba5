"""Template filters and globals: Danish date and number formats, labels for enum values.

A list of placements formats hundreds of dates, numbers and labels per page, so the filters
remember their answers per locale (a day formats the same way every time, a msgid translates
the same way until the app restarts with new catalogs): a dictionary lookup instead of
Flask-Babel's context lookups and Babel's pattern formatting each time.
"""

from datetime import UTC, date, datetime
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal as babel_format_decimal
from flask import url_for
from flask.globals import _cv_app, _cv_request
from flask_babel import format_decimal, get_translations
from flask_babel import get_locale as babel_locale
from jinja2 import pass_context, pass_eval_context
from markupsafe import Markup, escape

from app.clock import TIMEZONE
from app.enums import Phase
from app.lru import LRU
from app.web import wants_fragment

# The named styles per language; any other style is Babel's own for the locale (medium, long,
# full) or a pattern. English is British English: "Tuesday 1 December 2026", "1 Dec 2026";
# Danish "tirsdag den 1. december 2026", "01.12.2026".
DATE_PATTERNS = {
    "da": {"short": "dd.MM.yyyy"},
    "en": {"short": "d MMM y"},
}
DATETIME_PATTERNS = {
    "da": {"short": "dd.MM.yyyy HH:mm", "meeting": "EEEE d. MMMM y, HH:mm"},
    "en": {"short": "d MMM y, HH:mm", "meeting": "EEEE d MMMM y, HH:mm"},
}
# Babel's plain "en" is American ("December 1, 2026"); the app's English is British.
BABEL_LOCALES = {"en": "en_GB"}


def date_pattern(style: str, locale: str) -> str:
    return DATE_PATTERNS.get(locale, DATE_PATTERNS["da"]).get(style, style)


@lru_cache(maxsize=16_384)
def _day_text(day: date, style: str, locale: str) -> str:
    return babel_format_date(
        day, date_pattern(style, locale), locale=BABEL_LOCALES.get(locale, locale)
    )


@lru_cache(maxsize=4_096)
def _int_text(value: int, locale: str) -> str:
    return babel_format_decimal(value, locale=locale)


@lru_cache(maxsize=4_096)
def _label_text(msgid: str, locale: str) -> str:
    # Called with the current request's locale, so its translations are the right ones.
    return get_translations().ugettext(msgid)


# Each phase's label msgid by its value (a `Phase` is a str, so it finds its own).
_PHASE_MSGIDS = {phase.value: str(phase.label) for phase in Phase}


@lru_cache(maxsize=64)
def _phase_badge(value: str, msgid: str, locale: str) -> Markup:
    label = _label_text(msgid, locale)
    return Markup(f'<span class="badge phase-{escape(value)}">{escape(label)}</span>')


# An id no URL holds otherwise: `link_for` builds a URL with it once and then puts each row's
# id in its place.
_LINK_PROBE = 918_273_645


class Links:
    """A list's links to one endpoint, one per id: `links[id]` is `url_for(endpoint,
    **values, name=id)`. The URL is built once (Werkzeug's URL building costs about 7 µs, on
    every row of a list) and each id is put into it. Only a non-negative int is put in so (its
    URL text is its digits); anything else, and an endpoint whose URL does not hold the id
    exactly once, is built by url_for itself. Looked up by subscript, not called: Jinja
    calls a function through the context's `call` (about 1 µs more a row)."""

    __slots__ = ("endpoint", "name", "values", "head", "tail")

    def __init__(self, endpoint: str, name: str, values: dict):
        self.endpoint, self.name, self.values = endpoint, name, values
        probe = str(_LINK_PROBE)
        url = self.built(_LINK_PROBE)
        self.head, self.tail = url.split(probe) if url.count(probe) == 1 else (None, None)

    def built(self, value) -> str:
        return url_for(self.endpoint, **self.values, **{self.name: value})

    def __getitem__(self, value) -> str:
        if type(value) is int and value >= 0 and self.head is not None:
            return f"{self.head}{value}{self.tail}"
        return self.built(value)


def link_for(endpoint: str, name: str, **values) -> Links:
    """The links of a list's rows to `endpoint`, by the id named `name` (`Links`)."""
    return Links(endpoint, name, values)


class KeptFragments:
    """Rendered pieces of a template kept per worker, by a key of everything they show:
    `{% call kept("name", value, ...) %}...{% endcall %}` renders its body only the first
    time a key is seen (Jinja passes the body as `caller`, which is not run on a hit). The
    key must hold every value the body reads; the header's links, for instance, cost 40 URL
    builds and translations on every full page and change only with the user's role, the
    language, the page and the inbox count. An LRU of `maxsize` pieces."""

    def __init__(self, maxsize: int):
        self._kept = LRU(maxsize)

    def __call__(self, *key, caller) -> Markup:
        found = self._kept.get(key)
        if found is None:
            found = self._kept.put(key, Markup(caller()))
        return found

    def rows(self, rows, row_macro, *key) -> Markup:
        """Each of `rows` rendered by `row_macro(row)` once, then kept under `(*key, row)`:
        a list's rows, each a piece keyed by its values (a named tuple, hashed and compared
        field by field), so a row whose values changed is a new key and never shown stale.
        One call for the whole list (`{{ rows|kept_rows(row_macro, "name") }}`): Jinja calls
        a filter directly, and a `{% call %}` per row cost as much as the row it saved. Only
        for rows that hold no resident's data (the project list), since a kept row stays in
        the worker's memory until it falls out of the LRU."""
        kept = self._kept
        parts = []
        for row in rows:
            row_key = (*key, row)
            found = kept.get(row_key)
            if found is None:
                found = kept.put(row_key, str(row_macro(row)))
            parts.append(found)
        return Markup("".join(parts))

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()


# The project list's rows (templates/projects/index.html): about 0.4 KB of HTML each, some
# 1.5 KB with its key, so at most about 6 MB a worker.
kept_rows = KeptFragments(maxsize=4_096)


# The header's pieces (templates/base.html): one per page, role, language and inbox count for
# the links, one per role, language and organisation for the user's menu; 1-2 KB each.
kept_fragments = KeptFragments(maxsize=1_024)


class KeptURLs:
    """The templates' `url_for`, with the URLs kept per worker that only numbers name: the
    stylesheets and scripts (`static` with a file name), and an endpoint whose values are
    all ints (ids, page numbers) or that has none. Werkzeug builds such a URL the same way
    every time for the same application root (about 8 µs each, 10 to 30 a page). Any other
    value (a search term, a flag, `_anchor`, `_external`) is built by url_for itself each
    time, and nothing a person typed is kept. An LRU of `maxsize` URLs, keyed by the
    request's application root, the endpoint and the values."""

    def __init__(self, maxsize: int):
        self._kept = LRU(maxsize)

    def __call__(self, endpoint: str, **values) -> str:
        request_context = _cv_request.get(None)
        adapter = request_context.url_adapter if request_context is not None else None
        if adapter is None or not _only_numbers(endpoint, values):
            return url_for(endpoint, **values)
        key = (adapter.script_name, endpoint, *values.items())
        found = self._kept.get(key)
        if found is None:
            found = self._kept.put(key, url_for(endpoint, **values))
        return found


def _only_numbers(endpoint: str, values: dict) -> bool:
    if endpoint == "static":
        return values.keys() == {"filename"} and type(values["filename"]) is str
    return endpoint[:1] != "." and all(type(value) is int for value in values.values())


kept_urls = KeptURLs(maxsize=4_096)


def _local(moment: datetime) -> datetime:
    """A moment in the app's time zone (Europe/Copenhagen); a naive one is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TIMEZONE)


def _locale(context) -> str:
    """The locale the template is rendered in: looked up once per render by the context
    processor below, not once per value (the filters run hundreds of times on a list). A
    macro imported without context does not see it, so there the current locale is asked
    for (`current_locale_name`). Read from the context's parent, where a render's values
    are (and every context derived from it carries them, includes and blocks included): a
    dictionary lookup, where `context.get` went through three of Jinja's methods."""
    return context.parent.get(LOCALE_KEY) or current_locale_name()


def current_locale_name() -> str:
    """The name of the locale in force ("da", "en"; "None" outside a request), as
    Flask-Babel's `get_locale()` gives it, force_locale included. Flask-Babel keeps the
    locale it chose in the application context's `g`; that is read here straight from the
    context variable, without the three proxy lookups `get_locale()` makes each time (a
    macro imported without context, such as a row's phase badge, asks on every row). Until
    Flask-Babel has chosen, it is asked."""
    app_context = _cv_app.get(None)
    kept = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    locale = getattr(kept, "babel_locale", None)
    return _locale_name(locale if locale is not None else babel_locale())


@lru_cache(maxsize=64)
def _locale_name(locale) -> str:
    return str(locale)


LOCALE_KEY = "_locale_key"
# The templates' messages made once per locale (a bound: messages come from the templates, but
# a template that translated data would otherwise grow the memory without end).
GETTEXT_KEPT_MAX = 20_000


def init_app(app):
    @app.template_filter("date")
    @pass_context
    def date_filter(context, value: date | None, style: str = "medium") -> str:
        """1. mar. 2027 (medium), 1. marts 2027 (long), 01.03.2027 (short)."""
        if value is None:
            return "–"
        if type(value) is not date:  # a datetime: its day in Copenhagen (naive is UTC)
            value = _local(value).date()
        return _day_text(value, style, _locale(context))

    @app.template_filter("datetime")
    @pass_context
    def datetime_filter(context, value: datetime | None, style: str = "medium") -> str:
        """ "torsdag 10. januar 2027, 09:00" (meeting) in Danish, "Thursday 10 January 2027,
        09:00" in English; Babel localises the names."""
        if value is None:
            return "–"
        locale = _locale(context)
        if locale not in DATETIME_PATTERNS:
            locale = "da"
        patterns = DATETIME_PATTERNS[locale]
        # Babel's own formatter, with the zone and the locale's name at hand: Flask-Babel's
        # asks the request context for both on every call.
        return babel_format_datetime(
            _local(value), patterns.get(style, style), locale=BABEL_LOCALES.get(locale, locale)
        )

    @app.template_filter("number")
    @pass_context
    def number_filter(context, value) -> str:
        if type(value) is int:
            return _int_text(value, _locale(context))
        return format_decimal(value)

    @app.template_filter("waiting_count")
    @pass_context
    def waiting_count_filter(context, value: int) -> str:
        """The inbox's counts stop at COUNT_CAP (app/core/inbox.py): "99+" from there."""
        from app.core.inbox import COUNT_CAP

        if value >= COUNT_CAP:
            return f"{_int_text(COUNT_CAP - 1, _locale(context))}+"
        return _int_text(value, _locale(context))

    @app.template_filter("label")
    @pass_context
    def label_filter(context, value) -> str:
        """Translate an enum value's label (its English msgid marked with N_)."""
        if not hasattr(value, "label"):
            return str(value)
        return _label_text(str(value.label), _locale(context))

    @app.template_filter("phase_badge")
    @pass_context
    def phase_badge(context, phase: str) -> Markup:
        """A project's phase (a `Phase` or its value) as a badge, made once per phase and
        language. A filter, not a function: Jinja calls a filter directly, where a function
        goes through the context's `call` on every row of a list (as a macro it cost 8 µs a
        row)."""
        return _phase_badge(phase, _PHASE_MSGIDS[phase], _locale(context))

    @app.template_filter("kept_rows")
    @pass_context
    def kept_rows_filter(context, rows, row_macro, name: str) -> Markup:
        """`rows` rendered by `row_macro`, each kept per language and application root
        (`KeptFragments.rows`)."""
        request_context = _cv_request.get(None)
        script_root = request_context.request.script_root if request_context else ""
        return kept_rows.rows(rows, row_macro, name, _locale(context), script_root)

    app.jinja_env.globals["kept"] = kept_fragments
    app.jinja_env.globals["url_for"] = kept_urls
    app.jinja_env.globals["link_for"] = link_for

    # The templates' _() and ngettext(): Flask-Babel's own look the translations up through
    # the request context on every call (16 µs each, 50 to 90 calls a page). These take them
    # from a dictionary by the language in force while the template renders (so a mail
    # rendered under force_locale gets its reader's language).
    translations_by_locale: dict[str, object] = {}

    def _translations_in(locale: str):
        found = translations_by_locale.get(locale)
        if found is None:
            found = translations_by_locale[locale] = get_translations()
        return found

    # Jinja's newstyle `_()` translates, wraps the text in Markup and formats it on every
    # call, through two context calls. A message without variables gives the same text in a
    # locale every time: it is made once per (locale, message, autoescape) and then kept.
    # The templates' `_()` and `ngettext()` take the evaluation context, not the context:
    # Jinja derives a new context for every call of a context function made inside a loop or
    # a block that set a variable (about 40 a page, 5 µs each). The language is the one in
    # force while the template renders (force_locale included), as the context's is.
    gettext_made: dict[tuple[str, str, bool], str] = {}

    def _made(locale, autoescape, message, variables):
        text = _translations_in(locale).ugettext(message)
        if autoescape:
            text = Markup(text)
        return text % variables  # as Jinja's: always a format string ("%%" is "%")

    @pass_eval_context
    def kept_gettext(eval_ctx, message, **variables):
        locale = current_locale_name()
        if variables or type(message) is not str:
            return _made(locale, eval_ctx.autoescape, message, variables)
        memo_key = (locale, message, eval_ctx.autoescape)
        made = gettext_made.get(memo_key)
        if made is None:
            made = _made(locale, eval_ctx.autoescape, message, {})
            if len(gettext_made) < GETTEXT_KEPT_MAX:
                gettext_made[memo_key] = made
        return made

    @pass_eval_context
    def plural_gettext(eval_ctx, singular, plural, num, **variables):
        """Jinja's newstyle ngettext: `num` is a variable of the text unless given."""
        variables.setdefault("num", num)
        text = _translations_in(current_locale_name()).ungettext(singular, plural, num)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def fast_pgettext(context, msgctxt, message):
        return _translations_in(_locale(context)).upgettext(msgctxt, message)

    @pass_context
    def fast_npgettext(context, msgctxt, singular, plural, n):
        return _translations_in(_locale(context)).unpgettext(msgctxt, singular, plural, n)

    # Jinja wraps what it is given in its newstyle functions; `_`, `gettext` and `ngettext`
    # are then replaced by the ones above, which need no wrapping.
    app.jinja_env.install_gettext_callables(
        gettext=kept_gettext,
        ngettext=plural_gettext,
        newstyle=True,
        pgettext=fast_pgettext,
        npgettext=fast_npgettext,
    )
    app.jinja_env.globals.update(
        {"_": kept_gettext, "gettext": kept_gettext, "ngettext": plural_gettext}
    )

    def card_heading() -> str:
        """A form card is the page's h1 on its own page, an h2 when swapped into a list."""
        return "h2" if wants_fragment() else "h1"

    app.jinja_env.globals["card_heading"] = card_heading

    @app.template_filter("options")
    def options_filter(rows, selected=None) -> Markup:
        """`<option>`s for (id, name) rows, the one with id `selected` selected: a filter's
        list of hundreds (the associations at national scale) joined in one pass instead of
        a template loop."""
        return Markup(
            "".join(
                f'<option value="{escape(row[0])}"{" selected" if row[0] == selected else ""}>'
                f"{escape(row[1])}</option>"
                for row in rows
            )
        )

    @app.context_processor
    def inject_globals():
        locale = babel_locale()
        # LOCALE_KEY is "None" outside a request, where there are no translations either:
        # the filters' memory never mixes the two.
        return {"current_locale": str(locale or "da"), LOCALE_KEY: str(locale)}
