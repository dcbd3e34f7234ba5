"""The cumulative chart of counted courses as a PNG image, drawn with Pillow, for the Word report.

Plain Python (no Flask). It draws what `counting.cumulative()` and `counting.forecast()` gave:
a step line of counted courses, the target as a dashed line, the pace as a dotted line, and
dates on the time axis in the reader's language (Danish "1. jul. 2026", British English
"1 Jul 2026", as the web chart shows them). The words come in `ChartLabels` (the caller
translates them). The image is drawn at twice its print size so it stays sharp.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.agreements.danish import format_number

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SHORT_MONTHS = (
    "jan.",
    "feb.",
    "mar.",
    "apr.",
    "maj",
    "jun.",
    "jul.",
    "aug.",
    "sep.",
    "okt.",
    "nov.",
    "dec.",
)
ENGLISH_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

WIDTH, HEIGHT = 1600, 800
LEFT, RIGHT, TOP, BOTTOM = 130, 50, 100, 130
LINE = (47, 111, 94)  # the progress page's green
TARGET = (180, 83, 9)
AXIS = (107, 114, 128)
GRID = (229, 231, 235)
TEXT = (31, 41, 55)
TODAY = (209, 213, 219)
# Every colour the chart draws. Lines are drawn without anti-aliasing; text is anti-aliased,
# always on white, so every pixel is one of these inks or a blend of one with white.
INKS = (LINE, TARGET, AXIS, GRID, TEXT, TODAY)
BLEND_STEPS = 42  # per ink: 6 x 42 blends + white = 253 of a PNG palette's 256 colours


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words; Danish by default, like the rest of the report."""

    y_axis: str = "Talte forløb"
    counted: str = "Talte forløb"
    target: str = "Mål"
    pace: str = "I dette tempo"
    today: str = "I dag"


def short_date(day: date, locale: str = "da") -> str:
    """'1. jul. 2026', the Danish short form; '1 Jul 2026' in English."""
    if locale == "en":
        return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day}. {SHORT_MONTHS[day.month - 1]} {day.year}"


def month_label(day: date, locale: str = "da") -> str:
    months = ENGLISH_MONTHS if locale == "en" else SHORT_MONTHS
    return f"{months[day.month - 1]} {day.year}"


def number(value: int, locale: str = "da") -> str:
    """'1.250' in Danish, '1,250' in English."""
    return f"{value:,}" if locale == "en" else format_number(value)


def _font(size: int, bold: bool = False):
    return _font_at(str(FONT_DIR), size, bold)


@functools.lru_cache(maxsize=8)
def _font_at(font_dir: str, size: int, bold: bool):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(Path(font_dir) / name), size)
    except OSError:  # no DejaVu on this machine: Pillow's own scalable font
        return ImageFont.load_default(size=size)


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if top / step <= 8:
            return step
    return max(1, top // 8)


def _month_ticks(first: date, last: date) -> list[date]:
    months = (last.year - first.year) * 12 + last.month - first.month
    every = next((n for n in (1, 2, 3, 4, 6, 12, 24) if months / n <= 8), 36)
    ticks = []
    year, month = first.year, first.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        day = date(year, month, 1)
        if day > last:
            return ticks
        if (year * 12 + month - 1) % every == 0:
            ticks.append(day)


def _dashed(draw, start, end, fill, width, dash, gap) -> None:
    (x1, y1), (x2, y2) = start, end
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    if length == 0:
        return
    dx, dy = (x2 - x1) / length, (y2 - y1) / length
    pos = 0.0
    while pos < length:
        stop = min(pos + dash, length)
        draw.line(
            [(x1 + dx * pos, y1 + dy * pos), (x1 + dx * stop, y1 + dy * stop)],
            fill=fill,
            width=width,
        )
        pos = stop + gap


def progress_chart(
    series: list[tuple[date, int]],
    *,
    today: date,
    start: date | None = None,
    end: date | None = None,
    target: int | None = None,
    forecast: int | None = None,
    labels: ChartLabels | None = None,
    locale: str = "da",
) -> bytes:
    """The chart `draw_chart` draws, as PNG bytes with the colours of `_palette`.

    Made without drawing it all again: the parts that follow only from the frame (grid,
    axes, dates, legend) are drawn and mapped to the palette once per frame (`_frame_image`),
    and each chart draws its lines on a copy, in palette indices, and its two labels on
    their own patches (tests/test_reports.py checks that the result equals `draw_chart`'s
    image mapped to the palette, pixel for pixel)."""
    labels = labels or ChartLabels()
    frame = _frame(series, today, start, end, target, forecast)
    image = _frame_image(frame, labels, locale, bool(target), str(FONT_DIR)).copy()
    _draw_marks(image, frame, series, today, end, target, forecast, labels, locale)
    return _png(image)


@dataclass(frozen=True)
class _Frame:
    """What the fixed parts of a chart follow from: its first and last day and its top."""

    first: date
    last: date
    top: int
    step: int
    forecast_shown: bool

    def x(self, day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.first).days / max(
            (self.last - self.first).days, 1
        )

    def y(self, value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / self.top)


def _frame(series, today, start, end, target, forecast) -> _Frame:
    first = min(d for d in (start, series[0][0] if series else None, today) if d)
    last = max(d for d in (end, today) if d)
    current = series[-1][1] if series else 0
    shown = forecast is not None and end is not None and end > today
    top = max(target or 0, current, forecast if shown else 0, 1)
    step = _nice_step(top)
    return _Frame(first, last, -(-top // step) * step, step, shown)  # top: a whole step


def draw_chart(
    series: list[tuple[date, int]],
    *,
    today: date,
    start: date | None = None,
    end: date | None = None,
    target: int | None = None,
    forecast: int | None = None,
    labels: ChartLabels | None = None,
    locale: str = "da",
) -> Image.Image:
    """The chart as an RGB image, drawn whole; `forecast` is drawn from today to `end` when
    both exist. `locale` ("da" or "en") sets the dates and numbers; `labels` the words.
    `progress_chart` makes the same picture from kept parts."""
    labels = labels or ChartLabels()
    frame = _frame(series, today, start, end, target, forecast)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    _draw_frame(image, frame, labels, locale, bool(target))
    _draw_marks(image, frame, series, today, end, target, forecast, labels, locale)
    return image


@functools.lru_cache(maxsize=8)  # 1.3 MB each
def _frame_image(frame: _Frame, labels, locale, target: bool, font_dir: str) -> Image.Image:
    """The fixed parts of a chart, mapped to the palette; `font_dir` only keys the cache."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    _draw_frame(image, frame, labels, locale, target)
    return _quantize(image)


def _draw_frame(image: Image.Image, frame: _Frame, labels, locale, target: bool) -> None:
    """Grid, value axis and its title, time axis with its dates, and the legend."""
    draw = ImageDraw.Draw(image)
    small, normal = _font(30), _font(32)
    x, y = frame.x, frame.y
    for value in range(0, frame.top + 1, frame.step):
        draw.line([(LEFT, y(value)), (WIDTH - RIGHT, y(value))], fill=GRID, width=2)
        draw.text((LEFT - 14, y(value)), number(value, locale), fill=AXIS, font=small, anchor="rm")
    _vertical_title(image, labels.y_axis, small)

    # The time axis: first and last day, month ticks between.
    base = y(0)
    draw.line([(LEFT, base), (WIDTH - RIGHT, base)], fill=AXIS, width=3)
    draw.line([(LEFT, TOP), (LEFT, base)], fill=AXIS, width=3)
    for tick in _month_ticks(frame.first, frame.last):
        draw.line([(x(tick), base), (x(tick), base + 10)], fill=AXIS, width=2)
        draw.text(
            (x(tick), base + 16), month_label(tick, locale), fill=AXIS, font=small, anchor="ma"
        )
    first, last = short_date(frame.first, locale), short_date(frame.last, locale)
    draw.text((LEFT, HEIGHT - 36), first, fill=TEXT, font=small, anchor="lm")
    draw.text((WIDTH - RIGHT, HEIGHT - 36), last, fill=TEXT, font=small, anchor="rm")
    # Above the plot, where no line reaches.
    _legend(draw, normal, labels, target, frame.forecast_shown)


def _draw_marks(image, frame: _Frame, series, today, end, target, forecast, labels, locale):
    """Today, the target, the pace and the counted courses, on an RGB image or (in palette
    indices) on a palette one: lines are drawn without anti-aliasing, so an ink's pixels
    are that ink in both; the two labels are anti-aliased, so on a palette image each is
    drawn in RGB on a copy of its patch and mapped back."""
    paletted = image.mode == "P"
    ink = _ink_indices() if paletted else {colour: colour for colour in INKS}
    draw = ImageDraw.Draw(image)
    small, bold = _font(30), _font(32, bold=True)
    x, y = frame.x, frame.y
    base = y(0)
    current = series[-1][1] if series else 0

    draw.line([(x(today), TOP), (x(today), base)], fill=ink[TODAY], width=2)
    _label(image, (x(today), TOP - 8), labels.today, AXIS, small, "md", boxed=False)
    if target:
        _dashed(draw, (LEFT, y(target)), (WIDTH - RIGHT, y(target)), ink[TARGET], 4, 22, 14)
        # Top left of the line, on white: the pace line ends top right.
        text = f"{labels.target}: {number(target, locale)}"
        _label(image, (LEFT + 16, y(target) - 10), text, TARGET, bold, "ld", boxed=True)
    if frame.forecast_shown:
        _dashed(draw, (x(today), y(current)), (x(end), y(forecast)), ink[LINE], 4, 6, 12)

    # The step line: flat until a course counts, then up.
    points = [(x(frame.first), y(0))]
    total = 0
    for day, value in series:
        points += [(x(day), y(total)), (x(day), y(value))]
        total = value
    points.append((x(today), y(total)))
    draw.line(points, fill=ink[LINE], width=6, joint="curve")


def _label(image: Image.Image, spot, text: str, colour, font, anchor: str, boxed: bool) -> None:
    """Anti-aliased text at `spot`, on a white box when `boxed`. On a palette image the
    patch it covers is turned to RGB, drawn on and mapped back to the palette."""
    box = ImageDraw.Draw(image).textbbox(spot, text, font=font, anchor=anchor)
    if boxed:
        box = (box[0] - 6, box[1] - 4, box[2] + 6, box[3] + 2)
    if image.mode != "P":
        patch, origin = image, (0, 0)
    else:
        area = tuple(int(v) for v in (box[0] - 2, box[1] - 2, box[2] + 3, box[3] + 3))
        patch, origin = image.crop(area).convert("RGB"), area[:2]
    draw = ImageDraw.Draw(patch)
    at = (spot[0] - origin[0], spot[1] - origin[1])
    if boxed:
        draw.rectangle(
            [box[0] - origin[0], box[1] - origin[1], box[2] - origin[0], box[3] - origin[1]],
            fill="white",
        )
    draw.text(at, text, fill=colour, font=font, anchor=anchor)
    if patch is not image:
        image.paste(_quantize(patch), origin)


@functools.cache
def _palette() -> Image.Image:
    """White and each ink blended with white in BLEND_STEPS steps, as a palette image. The
    faintest blends are left out: Pillow looks a colour up in boxes of 4 levels a channel,
    and one of them beside white would turn the white background grey."""
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for colour in _colours() for value in colour])
    return palette


@functools.cache
def _colours() -> tuple[tuple[int, int, int], ...]:
    colours = [(255, 255, 255)]
    for ink in INKS:
        for step in range(1, BLEND_STEPS + 1):
            share = step / BLEND_STEPS
            blend = tuple(round(255 + (c - 255) * share) for c in ink)
            if min(blend) < 248:
                colours.append(blend)
    return tuple(colours)


@functools.cache
def _ink_indices() -> dict[tuple[int, int, int], int]:
    """Each ink's index in the palette (the last of its blends: the ink itself)."""
    colours = _colours()
    return {ink: colours.index(ink) for ink in INKS}


def _quantize(image: Image.Image) -> Image.Image:
    """An RGB image in the palette's colours: each pixel the nearest of them, no dithering."""
    return image.quantize(palette=_palette(), dither=Image.Dither.NONE)


def _png(image: Image.Image) -> bytes:
    """The chart as a palette PNG (an RGB image is mapped to the palette first). Its 600-odd
    colours (the inks and the anti-aliased text's blends with white) are mapped to the
    nearest of a fixed palette of those blends, where working out a palette for each chart
    (Pillow's fast octree) took twice as long and an RGB PNG four times; zlib's fastest level
    writes a file about half as large again (27 KB, not 18 KB) in half the time.
    tests/test_reports.py checks that no pixel moves by more than a few levels."""
    if image.mode != "P":
        image = _quantize(image)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _vertical_title(image: Image.Image, text: str, font) -> None:
    """The value axis title, read bottom to top; Pillow rotates a layer, not text."""
    box = ImageDraw.Draw(image).textbbox((0, 0), text, font=font)
    width, height = box[2] - box[0] + 8, box[3] - box[1] + 8
    layer = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(layer).text((4 - box[0], 4 - box[1]), text, fill=AXIS, font=font)
    layer = layer.rotate(90, expand=True)
    inner_h = HEIGHT - TOP - BOTTOM
    image.paste(layer, (14, int(TOP + inner_h / 2 - layer.height / 2)))


def _legend(draw, font, labels: ChartLabels, target: bool, pace: bool) -> None:
    x0, y0 = LEFT, 34
    entries = [(labels.counted, "solid", LINE)]
    if target:
        entries.append((labels.target, "dashed", TARGET))
    if pace:
        entries.append((labels.pace, "dotted", LINE))
    for text, style, colour in entries:
        if style == "solid":
            draw.line([(x0, y0), (x0 + 50, y0)], fill=colour, width=6)
        elif style == "dashed":
            _dashed(draw, (x0, y0), (x0 + 50, y0), colour, 4, 16, 10)
        else:
            _dashed(draw, (x0, y0), (x0 + 50, y0), colour, 4, 6, 10)
        draw.text((x0 + 62, y0), text, fill=TEXT, font=font, anchor="lm")
        x0 += 62 + int(draw.textlength(text, font=font)) + 48
