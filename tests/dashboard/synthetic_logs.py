"""
Synthetic logs with known truth: one generator per layout of the structure finder's catalogue.

Each `Layout` renders a line from an aware time and a level word; `generate` draws increasing
times (seeded, so a failure reproduces) and returns the lines with the time and canonical
level each one must be read as. Times are truncated to what the layout writes (seconds,
milliseconds...), rendered in the layout's zone, and lie in the 40 days before `now` so a
year-less layout's year is `now`'s.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

# Level words per family, with the canonical level each one means.
STYLES: dict[str, dict[str, str]] = {
    "log4j": {"TRACE": "DEBUG", "DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR",
              "FATAL": "CRITICAL"},
    "python": {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL"},
    "lower": {"debug": "DEBUG", "info": "INFO", "warning": "WARNING", "error": "ERROR", "panic": "CRITICAL"},
    "syslog": {"debug": "DEBUG", "info": "INFO", "notice": "INFO", "warning": "WARNING", "err": "ERROR",
               "crit": "CRITICAL", "alert": "CRITICAL", "emerg": "CRITICAL"},
    "jul": {"FINEST": "DEBUG", "FINE": "DEBUG", "INFO": "INFO", "WARNING": "WARNING", "SEVERE": "ERROR"},
    "windows": {"Information": "INFO", "Warning": "WARNING", "Error": "ERROR", "Critical": "CRITICAL"},
    "letters": {"V": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"},
    "glog": {"I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"},
    "rust": {"TRACE": "DEBUG", "DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR"},
    "priority": {"191": "DEBUG", "190": "INFO", "189": "INFO", "188": "WARNING", "187": "ERROR", "186": "CRITICAL",
                 "13": "INFO", "11": "ERROR"},
    "failure": {"INFO": "INFO", "WARN": "WARNING", "FAILURE": "ERROR", "PANIC": "CRITICAL"},
}

_WORDS = ("request", "served", "user", "cache", "miss", "retry", "connection", "closed", "job", "started",
          "finished", "timeout", "disk", "quota", "error", "ok", "block", "replica", "token", "session")

Render = Callable[[datetime, str, random.Random], str]


@dataclass(frozen=True)
class Layout:
    """A line layout: how to render one line, its time zone and precision, and its level family (None: no level)."""

    name: str
    render: Render
    style: str | None = "log4j"
    zone: tzinfo = UTC
    digits: int = 0  # fraction digits written: 0, 3, 6 or 9


@dataclass(frozen=True)
class Line:
    text: str
    timestamp: datetime
    level: str | None


def _message(rng: random.Random) -> str:
    words = rng.sample(_WORDS, rng.randint(2, 6))
    if rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), str(rng.randint(0, 99999)))
    return " ".join(words)


def _fraction(moment: datetime, digits: int) -> str:
    micros = f"{moment.microsecond:06d}"
    return (micros + "000")[:digits] if digits > 6 else micros[:digits]


def _t(fmt: str, digits: int = 0, sep: str = ".") -> Render:
    """A strftime layout; `{f}` in it is the fraction (`digits` long) and `{m}` the message."""

    def render(moment: datetime, level: str, rng: random.Random) -> str:
        fraction = _fraction(moment, digits)
        text = moment.strftime(fmt).replace("{f}", sep + fraction if digits else "")
        return text.replace("{L}", level).replace("{m}", _message(rng)).replace("{n}", str(rng.randint(100, 9999)))

    return render


def _unpadded(fmt: str) -> Render:
    """Month, day and hour without zero padding (`3/7/2026 9:05:01`): `{mo}`, `{d}`, `{H}`, `{I}` in `fmt`."""

    def render(moment: datetime, level: str, rng: random.Random) -> str:
        hour12 = moment.hour % 12 or 12
        text = moment.strftime(fmt).replace("{mo}", str(moment.month)).replace("{d}", str(moment.day))
        text = text.replace("{H}", str(moment.hour)).replace("{I}", str(hour12))
        return text.replace("{L}", level).replace("{m}", _message(rng))

    return render


def _epoch(scale: int, with_fraction: bool = False, template: str = "{e} {L} {m}") -> Render:
    """An epoch number (`{e}`); `{b}` is the same time written year-less, syslog style, before the message."""

    def render(moment: datetime, level: str, rng: random.Random) -> str:
        seconds = int(moment.timestamp())
        value = f"{seconds}.{moment.microsecond:06d}" if with_fraction else str(
            seconds * scale + moment.microsecond * scale // 1_000_000)
        text = template.replace("{e}", value).replace("{L}", level)
        text = text.replace("{b}", moment.strftime("%b %d %H:%M:%S") + " node7/node7 crond[12]: {m}")
        return text.replace("{m}", _message(rng))

    return render


_PLUS2 = timezone(timedelta(hours=2))
_IST = timezone(timedelta(hours=5, minutes=30))
_MINUS7 = timezone(timedelta(hours=-7))

LAYOUTS: tuple[Layout, ...] = (
    Layout("iso space comma ms, log4j", _t("%Y-%m-%d %H:%M:%S{f} {L} [main] com.example.Foo: {m}", 3, ","), digits=3),
    Layout("iso T micro Z", _t("%Y-%m-%dT%H:%M:%S{f}Z {L} {m}", 6), "lower", digits=6),
    Layout("iso T +02:00 bracket level", _t("%Y-%m-%dT%H:%M:%S+02:00 [{L}] {m}"), "log4j", _PLUS2),
    Layout("iso T nanos +0530 level=", _t("%Y-%m-%dT%H:%M:%S{f}+0530 level={L} {m}", 9), "lower", _IST, 9),
    Layout("iso T millis -07:00", _t("%Y-%m-%dT%H:%M:%S{f}-07:00 {L} {m}", 3), "python", _MINUS7, 3),
    Layout("slashed ymd", _t("%Y/%m/%d %H:%M:%S {L} {m}")),
    Layout("day/month/year", _t("%d/%m/%Y %H:%M:%S {L} {m}"), "python"),
    Layout("month/day/year 12h", _t("%m/%d/%Y %I:%M:%S %p {L} {m}"), "windows"),
    Layout("dotted day.month.year", _t("%d.%m.%Y %H:%M:%S{f} {L} {m}", 3), "log4j", digits=3),
    Layout("compact ymd hms", _t("%Y%m%d %H%M%S {L} {m}")),
    Layout("compact ymd T hms", _t("%Y%m%dT%H%M%S {L} {m}"), "lower"),
    Layout("compact yymmdd, pid, source", _t("%y%m%d %H%M%S {n} {L} dfs.DataNode: {m}")),
    Layout("syslog year-less", _t("%b %d %H:%M:%S web01 sshd[{n}]: {m}"), None),
    Layout("syslog space-padded day with level", _unpadded("%b {d} %H:%M:%S web01 app: <{L}> {m}"), "syslog"),
    Layout("ctime in brackets", _t("[%a %b %d %H:%M:%S %Y] [{L}] {m}"), "syslog"),
    Layout("apache access", _t('10.0.0.{n} - - [%d/%b/%Y:%H:%M:%S +0000] "GET /{m} HTTP/1.1" 200 512'), None),
    Layout("rfc 2822", _t("%a, %d %b %Y %H:%M:%S +0200 {L} {m}"), "log4j", _PLUS2),
    Layout("day full-month year", _t("%d %B %Y %H:%M:%S {L} {m}"), "jul"),
    Layout("full-month day, year", _t("%B %d, %Y %H:%M:%S {L} {m}"), "python"),
    Layout("time before iso date", _t("%H:%M:%S %Y-%m-%d {L} {m}")),
    Layout("time with micros before d/m/y", _t("%H:%M:%S{f} %d/%m/%Y {L} {m}", 6), "lower", digits=6),
    Layout("epoch seconds", _epoch(1)),
    Layout("epoch seconds with fraction", _epoch(1, True), "python", digits=6),
    Layout("epoch milliseconds", _epoch(1_000), "lower", digits=3),
    Layout("epoch microseconds", _epoch(1_000_000, template="[{e}] {L}: {m}"), digits=6),
    Layout("epoch nanoseconds", _epoch(1_000_000_000, template="ts={e} {L} {m}"), "rust", digits=6),
    Layout("date-time glued by dash, dotted time", _t("- %Y-%m-%d-%H.%M.%S{f} R02-M1 RAS KERNEL {L} {m}", 6),
           digits=6),
    Layout("date_time glued by underscore", _t("%Y-%m-%d_%H:%M:%S {L} {m}"), "rust"),
    Layout("unpadded m/d/Y H", _unpadded("{mo}/{d}/%Y {H}:%M:%S {L} {m}")),
    Layout("bracketed iso, level colon", _t("[%Y-%m-%d %H:%M:%S] {L}: {m}"), "python"),
    Layout("python logging dashes", _t("%Y-%m-%d %H:%M:%S{f} - app.module - {L} - {m}", 3, ","), "python", digits=3),
    Layout("level before timestamp", _t("{L} %Y-%m-%d %H:%M:%S {m}")),
    Layout("bracketed level before iso T", _t("[{L}] %Y-%m-%dT%H:%M:%S {m}"), "rust"),
    Layout("glog", _t("{L}%m%d %H:%M:%S{f} {n} server.cc:42] {m}", 6), "glog", digits=6),
    Layout("logcat-like letters", _t("%m-%d %H:%M:%S{f}  {n}  {n} {L} ActivityManager: {m}", 3), "letters",
           digits=3),
    Layout("windows cbs", _t("%Y-%m-%d %H:%M:%S, {L}                  CBS    {m}"), "windows"),
    Layout("jul single line", _t("%Y-%m-%d %H:%M:%S{f} {L} com.example.Service {m}", 3), "jul", digits=3),
    Layout("host first, rfc3339", _t("node-7 %Y-%m-%dT%H:%M:%S{f}Z {L} {m}", 3), "log4j", digits=3),
    Layout("zone name UTC", _t("%Y-%m-%d %H:%M:%S{f} UTC [{L}] {m}", 6), "lower", digits=6),
    Layout("tomcat day-mon-year", _t("%d-%b-%Y %H:%M:%S{f} {L} [main] org.apache.Catalina {m}", 3), "jul",
           digits=3),
    Layout("year-mon-day", _t("%Y-%b-%d %H:%M:%S {L} {m}")),
    Layout("nginx error", _t("%Y/%m/%d %H:%M:%S [{L}] {n}#0: *1 {m}"), "syslog"),
    Layout("fraction after colon", _t("%H:%M:%S{f} %Y-%m-%d {L} {m}", 3, ":"), digits=3),
    Layout("two-digit year", _t("%y-%m-%d %H:%M:%S {L} {m}"), "python"),
    Layout("constant date first, line time second", _t("build-2020-01-01 00:00:00 | %Y-%m-%d %H:%M:%S {L} {m}")),
    Layout("logrus key=value", _t('time="%Y-%m-%dT%H:%M:%SZ" level={L} msg="{m}"'), "lower"),
    Layout("rust env_logger", _t("[%Y-%m-%dT%H:%M:%SZ {L}  my_crate::net] {m}"), "rust"),
    Layout("failure and panic words", _t("%Y-%m-%d %H:%M:%S {L} {m}"), "failure"),
    Layout("compact date, dash, colon time, millis after a colon",
           _t("%Y%m%d-%H:%M:%S{f}|Step_LSC|{n}|{m}", 3, ":"), None, digits=3),
    Layout("epoch then a year-less written time", _epoch(1, template="- {e} node7 {b}"), None),
    Layout("rfc 5424 with priority", _t("<{L}>1 %Y-%m-%dT%H:%M:%S{f}Z web01 app {n} ID47 - {m}", 3), "priority",
           digits=3),
    Layout("csv: date, comma, time", _t("%Y-%m-%d,%H:%M:%S,{L},{m}"), "python"),
    Layout("date(1) with a zone abbreviation (read over)", _t("%a %b %d %H:%M:%S CEST %Y {L} {m}"), "lower"),
    Layout("12h unpadded with AM/PM and full weekday", _unpadded("%A %B {d}, %Y {I}:%M:%S %p {L} {m}"), "windows"),
)


def _truncate(moment: datetime, digits: int) -> datetime:
    if digits >= 6:
        return moment
    scale = 10 ** (6 - digits)
    return moment.replace(microsecond=moment.microsecond // scale * scale)


def generate(layout: Layout, *, now: datetime, count: int = 300, seed: int = 0) -> list[Line]:
    """`count` lines of `layout` with increasing times in the 40 days before `now`, and their truth."""
    rng = random.Random(f"{layout.name}-{seed}")
    moment = now - timedelta(days=40) + timedelta(seconds=rng.randint(0, 86_400))
    lines = []
    words = list(STYLES[layout.style]) if layout.style else ["-"]
    for _ in range(count):
        moment += timedelta(seconds=rng.randint(0, 2_000), microseconds=rng.randint(0, 999_999))
        written = _truncate(moment.astimezone(layout.zone), layout.digits)
        word = rng.choice(words)
        level = STYLES[layout.style][word] if layout.style else None
        lines.append(Line(layout.render(written, word, rng), written, level))
    return lines
