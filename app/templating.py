"""Template filters and globals: Danish date and number formats, labels for enum values."""

from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_decimal, gettext
from flask_babel import get_locale as babel_locale


def init_app(app):
    @app.template_filter("date")
    def date_filter(value: date | None, style: str = "medium") -> str:
        """1. mar. 2027 (medium), 1. marts 2027 (long), 01.03.2027 (short)."""
        if value is None:
            return "–"
        if style == "short":
            return format_date(value, "dd.MM.yyyy")
        return format_date(value, style)

    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None, style: str = "medium") -> str:
        if value is None:
            return "–"
        patterns = {
            "short": "dd.MM.yyyy HH:mm",
            # "torsdag 10. januar 2027, kl. 09.00" in Danish; Babel localises the names.
            "meeting": "EEEE d. MMMM y, HH:mm",
        }
        return format_datetime(value, patterns.get(style, style))

    @app.template_filter("number")
    def number_filter(value) -> str:
        return format_decimal(value)

    @app.template_filter("label")
    def label_filter(value) -> str:
        """Translate an enum value's label (its English msgid marked with N_)."""
        return gettext(value.label) if hasattr(value, "label") else str(value)

    @app.context_processor
    def inject_globals():
        return {"current_locale": str(babel_locale() or "da")}
