"""``xinyong workdays``: Chinese working days (req §2) and the credit office's holiday table.

The questions (``add``, ``count``, ``is``) read the office's table from the database; ``--builtin``
answers from chinesecalendar and Monday–Friday alone. The result line is machine-readable: the bare
answer when it is certain, followed by ``(provisional: ...)`` when a year it depends on is not in the
holiday calendar.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from xinyong.core.actor import Actor, Role
from xinyong.core.workdays import MAKE_UP_WORKDAY, MAX_YEAR, MIN_YEAR, WorkCalendar, builtin_calendar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from xinyong.core.db import Database

app = typer.Typer(
    help="Chinese working days (工作日) and the credit office's holiday table (节假日及调休表).",
    no_args_is_help=True,
)

T = TypeVar("T")

BuiltinOption = Annotated[
    bool,
    typer.Option("--builtin", help="Ignore the office's table: chinesecalendar and Monday–Friday only."),
]


def _database() -> Database:
    """The database layer, imported only by the commands that read or change the office's table (``--builtin``
    answers without SQLAlchemy: tests/cli/test_startup.py)."""
    from xinyong.core.db import get_database

    return get_database()


def _office() -> ModuleType:
    from xinyong.core import calendar

    return calendar


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _parse_date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise _fail(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _operator() -> Actor:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return Actor(role=Role.CREDIT_OFFICE, id=f"cli:{user}", name=f"信用办操作员 {user}")


@contextmanager
def _errors() -> Iterator[None]:
    from xinyong.core.errors import XinyongError

    try:
        yield
    except XinyongError as exc:
        field = f" ({exc.field})" if exc.field else ""
        raise _fail(f"{exc.message}{field}", 2 if exc.status in (400, 422) else 1) from None


@contextmanager
def _database_errors() -> Iterator[None]:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with _errors():
            yield
    except SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0]
        raise _fail(f"cannot use the database ({reason}); run `xinyong db upgrade`, or pass --builtin", 1) from None


def _answer(builtin: bool, question: Callable[[WorkCalendar], T]) -> T:
    if builtin:
        with _errors():
            return question(builtin_calendar())
    with _database_errors(), _database().unit_of_work() as session:
        return question(_office().load_calendar(session))


def _provisional(unknown_years: tuple[int, ...]) -> str:
    if not unknown_years:
        return ""
    years = ", ".join(str(y) for y in unknown_years)
    verb = "is" if len(unknown_years) == 1 else "are"
    return f" (provisional: {years} {verb} not in the holiday calendar; statutory holidays computed, no 调休)"


# ignore_unknown_options lets a negative N (``add 2020-10-12 -2``) through as an argument.
@app.command("add", context_settings={"ignore_unknown_options": True})
def add(
    date: Annotated[str, typer.Argument(metavar="DATE", help="Start date, YYYY-MM-DD (not counted).")],
    n: Annotated[str, typer.Argument(metavar="N", help="Working days to add; negative counts backwards.")],
    builtin: BuiltinOption = False,
) -> None:
    """Print the N-th working day after DATE (e.g. `add 2020-09-25 7` prints 2020-10-12)."""
    start = _parse_date(date, "DATE")
    try:
        count = int(n)
    except ValueError:
        raise _fail(f"N {n!r} is not a whole number") from None
    result = _answer(builtin, lambda cal: cal.add_working_days(start, count))
    typer.echo(result.date.isoformat() + _provisional(result.unknown_years))


@app.command("count")
def count(
    start: Annotated[str, typer.Argument(metavar="START", help="First date, YYYY-MM-DD (not counted).")],
    end: Annotated[str, typer.Argument(metavar="END", help="Last date, YYYY-MM-DD (counted).")],
    builtin: BuiltinOption = False,
) -> None:
    """Print the number of working days after START up to and including END."""
    first = _parse_date(start, "START")
    last = _parse_date(end, "END")
    result = _answer(builtin, lambda cal: cal.count_working_days(first, last))
    typer.echo(str(result.count) + _provisional(result.unknown_years))


@app.command("is")
def is_(
    date: Annotated[str, typer.Argument(metavar="DATE", help="Date, YYYY-MM-DD.")],
    builtin: BuiltinOption = False,
) -> None:
    """Print whether DATE is a working day, and why (e.g. `2020-10-10 working day (调休上班)`)."""
    day = _parse_date(date, "DATE")
    result = _answer(builtin, lambda cal: cal.is_working_day(day))
    kind = "working day" if result.working else "rest day"
    name = f" ({result.name})" if result.name else ""
    typer.echo(f"{day.isoformat()} {kind}{name}{_provisional(result.unknown_years)}")


@app.command("set")
def set_(
    date: Annotated[str, typer.Argument(metavar="DATE", help="Date, YYYY-MM-DD.")],
    workday: Annotated[
        bool | None,
        typer.Option(
            "--workday/--holiday",
            help="A working day (e.g. 调休上班) or a rest day (a holiday).",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="e.g. 春节, 国庆节; default 调休上班 for --workday.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free text, e.g. the notice it comes from.")] = None,
) -> None:
    """Enter or correct one day of the office's holiday table."""
    day = _parse_date(date, "DATE")
    if workday is None:
        raise _fail("say --workday or --holiday")
    if name is None:
        if not workday:
            raise _fail("--name is required for a holiday (e.g. --name 春节)")
        name = MAKE_UP_WORKDAY
    with _database_errors(), _database().unit_of_work() as session:
        row = _office().set_day(session, _operator(), day, workday, name, note)
        line = f"{row.date.isoformat()} {'working day' if row.is_workday else 'rest day'} ({row.name}) saved"
    typer.echo(line)


@app.command("remove")
def remove(
    date: Annotated[str, typer.Argument(metavar="DATE", help="Date, YYYY-MM-DD.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why the entry goes.")] = None,
) -> None:
    """Delete the office's entry for DATE (chinesecalendar or Monday–Friday applies again)."""
    day = _parse_date(date, "DATE")
    with _database_errors(), _database().unit_of_work() as session:
        _office().remove_day(session, _operator(), day, reason)
    typer.echo(f"{day.isoformat()} removed")


@app.command("declare-year")
def declare_year(
    year: Annotated[int, typer.Argument(metavar="YEAR", help="The year whose holidays are all entered.")],
    source: Annotated[str, typer.Option("--source", help="The notice, e.g. 国办发明电〔2026〕N号.")],
) -> None:
    """Declare YEAR complete: its deadlines stop being provisional."""
    with _database_errors(), _database().unit_of_work() as session:
        row = _office().declare_year(session, _operator(), year, source)
        line = f"{row.year} declared complete (source: {row.source})"
    typer.echo(line)


@app.command("list")
def list_(year: Annotated[int, typer.Argument(metavar="YEAR", help="The year to show.")]) -> None:
    """Show the office's entries for YEAR and whether it is declared complete."""
    with _database_errors(), _database().unit_of_work() as session:
        lines = _year_lines(session, year)
    for line in lines:
        typer.echo(line)


def _year_lines(session: Session, year: int) -> list[str]:
    declared = _office().get_year(session, year)
    calendar = _office().load_calendar(session)
    if declared is not None and declared.complete:
        status = f"declared complete by {declared.declared_by} (source: {declared.source})"
    elif calendar.is_known_year(year):
        status = "known from chinesecalendar"
    else:
        status = "not in the holiday calendar (provisional: statutory holidays computed, no 调休)"
    lines = [f"{year}: {status}"]
    days = _office().list_days(session, year)
    for row in days:
        kind = "working day" if row.is_workday else "rest day"
        note = f"  {row.note}" if row.note else ""
        lines.append(f"{row.date.isoformat()} {kind} ({row.name}){note}")
    if not days:
        lines.append("no entries")
    return lines


@app.command("years")
def years(
    first: Annotated[int, typer.Option("--from", help="First year shown (default: this year − 1).")] = 0,
    last: Annotated[int, typer.Option("--to", help="Last year shown (default: this year + 2).")] = 0,
) -> None:
    """Say for each year whether its working days are exact (chinesecalendar, or the office's table declared complete)
    or provisional (statutory holidays computed, no 调休 make-up days)."""
    from xinyong.core import clock

    today = clock.today()
    first, last = first or today.year - 1, last or today.year + 2
    if not MIN_YEAR <= first <= last <= MAX_YEAR or last - first > 300:
        raise _fail(f"years {first}–{last}: give --from ≤ --to within {MIN_YEAR}–{MAX_YEAR}")
    with _database_errors(), _database().unit_of_work() as session:
        calendar = _office().load_calendar(session)
        sources = {year: _office().get_year(session, year) for year in calendar.complete_years}
        for year in range(first, last + 1):
            source = calendar.year_source(year)
            if source == "office":
                declared = sources.get(year)
                typer.echo(f"{year} exact (office's table: {declared.source if declared else ''})")
            elif source == "chinesecalendar":
                typer.echo(f"{year} exact (chinesecalendar)")
            else:
                typer.echo(f"{year} provisional (statutory holidays computed, no 调休)")
