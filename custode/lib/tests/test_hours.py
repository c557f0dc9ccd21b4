"""Support hours: the grammar, and due times counted only in support time, each expected instant worked out
by hand from a calendar (weekends, holidays with their observed days, DST, split days, pauses)."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.lib.hours import clock, normal, parse

OFFICE = ("mon-fri 09:00-18:00", "Europe/Rome", "IT")
SPLIT = ("mon-fri 09:00-13:00 14:00-18:00, sat 09:00-12:00", "Europe/Rome", "IT")
ALWAYS = ("24/7", "Europe/Rome", None)
ALWAYS_BUT_HOLIDAYS = ("24/7", "Europe/Rome", "IT")
LONDON = ("mon-fri 09:00-17:30", "Europe/London", "GB")
MADRID = ("mon-fri 08:00-15:00", "Europe/Madrid", "ES")

H, M = 3600, 60


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# (case, plan, start, support seconds, expected due) -- 8 Dec is a holiday in Italy and Spain.
DUE = [
    ("within the same morning", OFFICE, "2026-12-07T10:00+01:00", 2 * H, "2026-12-07T12:00+01:00"),
    ("over the night and a holiday", OFFICE, "2026-12-07T17:00+01:00", 2 * H, "2026-12-09T10:00+01:00"),
    ("over a weekend", OFFICE, "2026-12-11T17:00+01:00", 2 * H, "2026-12-14T10:00+01:00"),
    ("opened on a Saturday", OFFICE, "2026-12-12T11:00+01:00", 1 * H, "2026-12-14T10:00+01:00"),
    ("opened late on a Sunday", OFFICE, "2026-12-13T23:00+01:00", 30 * M, "2026-12-14T09:30+01:00"),
    ("opened before opening time", OFFICE, "2026-12-07T07:00+01:00", 1 * H, "2026-12-07T10:00+01:00"),
    ("opened at closing time", OFFICE, "2026-12-07T18:00+01:00", 1 * H, "2026-12-09T10:00+01:00"),
    ("over Christmas and Saint Stephen", OFFICE, "2026-12-24T16:00+01:00", 8 * H, "2026-12-28T15:00+01:00"),
    ("a whole day ends at closing time", OFFICE, "2026-12-09T09:00+01:00", 9 * H, "2026-12-09T18:00+01:00"),
    ("a minute past a whole day", OFFICE, "2026-12-09T09:00+01:00", 9 * H + M, "2026-12-10T09:01+01:00"),
    ("over the spring DST weekend", OFFICE, "2026-03-27T17:00+01:00", 2 * H, "2026-03-30T10:00+02:00"),
    ("over the autumn DST weekend", OFFICE, "2026-10-23T17:00+02:00", 2 * H, "2026-10-26T10:00+01:00"),
    ("over Easter Monday", OFFICE, "2026-04-03T17:00+02:00", 2 * H, "2026-04-07T10:00+02:00"),
    ("over Republic Day", OFFICE, "2026-06-01T17:00+02:00", 2 * H, "2026-06-03T10:00+02:00"),
    ("over the lunch break", SPLIT, "2026-12-07T12:00+01:00", 2 * H, "2026-12-07T15:00+01:00"),
    ("opened during lunch", SPLIT, "2026-12-07T13:30+01:00", 30 * M, "2026-12-07T14:30+01:00"),
    ("into Saturday morning", SPLIT, "2026-12-11T17:00+01:00", 2 * H, "2026-12-12T10:00+01:00"),
    ("from Saturday to Monday", SPLIT, "2026-12-12T11:00+01:00", 2 * H, "2026-12-14T10:00+01:00"),
    ("a long week end", SPLIT, "2026-12-11T09:00+01:00", 12 * H, "2026-12-14T10:00+01:00"),
    ("Saint Stephen on a Saturday", SPLIT, "2026-12-24T17:30+01:00", 1 * H, "2026-12-28T09:30+01:00"),
    ("24/7 through the night", ALWAYS, "2026-12-12T23:00+01:00", 2 * H, "2026-12-13T01:00+01:00"),
    ("24/7 across the lost hour", ALWAYS, "2026-03-29T01:30+01:00", 1 * H, "2026-03-29T03:30+02:00"),
    ("24/7 across the repeated hour", ALWAYS, "2026-10-25T01:30+02:00", 2 * H, "2026-10-25T02:30+01:00"),
    ("24/7 but not on holidays", ALWAYS_BUT_HOLIDAYS, "2026-12-24T23:00+01:00", 2 * H, "2026-12-27T01:00+01:00"),
    ("Boxing Day observed on Monday", LONDON, "2026-12-24T17:00+00:00", 1 * H, "2026-12-29T09:30+00:00"),
    ("both Christmas days observed", LONDON, "2027-12-24T17:00+00:00", 1 * H, "2027-12-29T09:30+00:00"),
    ("into British Summer Time", LONDON, "2026-03-27T17:00+00:00", 1 * H, "2026-03-30T09:30+01:00"),
    ("over Good Friday in Britain", LONDON, "2026-04-02T17:00+01:00", 1 * H, "2026-04-06T09:30+01:00"),
    ("over the Inmaculada", MADRID, "2026-12-07T14:00+01:00", 2 * H, "2026-12-09T09:00+01:00"),
    ("over Epiphany", MADRID, "2026-01-05T14:00+01:00", 2 * H, "2026-01-07T09:00+01:00"),
    ("over the Fiesta Nacional", MADRID, "2026-10-09T14:30+02:00", 1 * H, "2026-10-13T08:30+02:00"),
]


@pytest.mark.parametrize(("case", "plan", "start", "seconds", "expected"), DUE, ids=[d[0] for d in DUE])
def test_due_time_counts_only_support_time(case, plan, start, seconds, expected):
    assert clock(*plan).due(at(start), seconds) == at(expected)


# (case, start, support seconds, pauses, expected due) on OFFICE.
PAUSED = [
    ("an hour's pause moves it an hour", "2026-12-07T09:00+01:00", 4 * H,
     [("2026-12-07T10:00+01:00", "2026-12-07T11:00+01:00")], "2026-12-07T14:00+01:00"),
    ("a long pause moves it over the holiday", "2026-12-07T09:00+01:00", 4 * H,
     [("2026-12-07T10:00+01:00", "2026-12-07T17:00+01:00")], "2026-12-09T11:00+01:00"),
    ("a pause in the weekend changes nothing", "2026-12-11T17:00+01:00", 2 * H,
     [("2026-12-12T10:00+01:00", "2026-12-13T20:00+01:00")], "2026-12-14T10:00+01:00"),
    ("a pause ended before the start is ignored", "2026-12-07T10:00+01:00", 1 * H,
     [("2026-12-07T08:00+01:00", "2026-12-07T09:30+01:00")], "2026-12-07T11:00+01:00"),
    ("a pause running at the start holds it", "2026-12-07T10:00+01:00", 1 * H,
     [("2026-12-07T09:00+01:00", "2026-12-07T10:30+01:00")], "2026-12-07T11:30+01:00"),
    ("two pauses", "2026-12-07T09:00+01:00", 3 * H,
     [("2026-12-07T11:00+01:00", "2026-12-07T12:00+01:00"), ("2026-12-07T10:00+01:00", "2026-12-07T10:30+01:00")],
     "2026-12-07T13:30+01:00"),
]


@pytest.mark.parametrize(("case", "start", "seconds", "pauses", "expected"), PAUSED, ids=[p[0] for p in PAUSED])
def test_a_paused_clock_does_not_count_the_pause(case, start, seconds, pauses, expected):
    due = clock(*OFFICE).due(at(start), seconds, [(at(a), at(b)) for a, b in pauses])
    assert due == at(expected)


def test_a_clock_paused_now_has_no_due_time():
    pause = (at("2026-12-07T10:00+01:00"), None)
    assert clock(*OFFICE).due(at("2026-12-07T09:00+01:00"), 4 * H, [pause]) is None
    assert clock(*OFFICE).due(at("2026-12-07T09:00+01:00"), 30 * M, [pause]) == at("2026-12-07T09:30+01:00")


def test_several_due_times_in_one_walk_are_those_found_one_by_one():
    pauses = [(at("2026-12-07T10:00+01:00"), at("2026-12-07T11:00+01:00")), (at("2026-12-09T12:00+01:00"), None)]
    start, seconds = at("2026-12-04T17:30+01:00"), [4 * H, 0, 30 * M, 10 * H, 3 * H, 30 * M]
    for plan in (OFFICE, SPLIT, ALWAYS, LONDON):
        office = clock(*plan)
        assert office.dues(start, seconds, pauses) == [office.due(start, s, pauses) for s in seconds]
    assert clock(*OFFICE).dues(start, []) == []


def test_support_time_between_two_instants_skips_nights_holidays_and_pauses():
    office = clock(*OFFICE)
    assert office.counted(at("2026-12-07T09:00+01:00"), at("2026-12-09T10:00+01:00")) == 10 * H
    pause = [(at("2026-12-07T12:00+01:00"), at("2026-12-07T13:00+01:00"))]
    assert office.counted(at("2026-12-07T09:00+01:00"), at("2026-12-07T18:00+01:00"), pause) == 8 * H
    assert office.counted(at("2026-12-12T09:00+01:00"), at("2026-12-13T18:00+01:00")) == 0


def test_a_range_in_the_hour_dst_skips_is_empty_and_the_repeated_hour_counts_twice():
    night = clock("mon-sun 02:00-04:00", "Europe/Rome")
    assert night.counted(at("2026-03-29T00:00+01:00"), at("2026-03-29T12:00+02:00")) == 1 * H
    assert night.counted(at("2026-10-25T00:00+02:00"), at("2026-10-25T12:00+01:00")) == 3 * H


def test_the_grammar_takes_several_ranges_a_day_and_day_ranges_that_wrap():
    hours = parse("fri-mon 09:00-13:00 14:00-18:00, wed 22:00-24:00")
    assert hours.days[4] == hours.days[5] == hours.days[6] == hours.days[0] == ((540, 780), (840, 1080))
    assert hours.days[1] == () and hours.days[2] == ((1320, 1440),)
    assert parse("24/7").always and not hours.always
    assert normal("Mon-Fri  09:00-18:00,sat 09:00-12:00") == "mon-fri 09:00-18:00, sat 09:00-12:00"


@pytest.mark.parametrize(("text", "message"), [
    ("mon-fry 09:00-18:00", 'unknown day "fry"'),
    ("mon-fri 18:00-09:00", '"18:00-09:00" ends before it starts'),
    ("mon-fri 9-18", '"9-18" is not hours like 09:00-18:00'),
    ("mon-fri", "write the days, then one or more hours"),
    ("mon-fri 09:00-13:00 12:00-18:00", "mon: 09:00-13:00 overlaps 12:00-18:00"),
    ("mon-fri 09:00-18:00, fri 17:00-19:00", "fri: 09:00-18:00 overlaps 17:00-19:00"),
    ("mon 24:00-24:00", "hours go from 00:00 to 24:00"),
    ("", "is empty"),
])
def test_hours_that_cannot_be_meant_are_refused_naming_the_part(text, message):
    with pytest.raises(ValueError, match=message):
        parse(text)
