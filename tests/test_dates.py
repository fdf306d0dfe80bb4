"""Date parsing: the page's precision and offset kept, languages, relative dates, plausibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newscrawl.extract import dates

FETCHED = datetime(2024, 3, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2019-11-20T11:06:01+05:30", "2019-11-20T11:06:01+05:30"),  # offset kept, not converted
        ("2019-11-19T01:19:34.819Z", "2019-11-19T01:19:34+00:00"),
        ("2019-11-19T19:47:00-0500", "2019-11-19T19:47:00-05:00"),
        ("2019-11-20T01:50:59.403", "2019-11-20T01:50:59"),  # naive stays naive
        ("2019-11-19 19:47:00", "2019-11-19T19:47:00"),
        ("2024-03-21", "2024-03-21"),  # a date stays a date
        ("20240321T143000Z", "2024-03-21T14:30:00+00:00"),
    ],
)
def test_structured_dates_keep_precision_and_offset(raw: str, iso: str) -> None:
    value = dates.parse_iso(raw)
    assert value is not None and value.iso == iso


@pytest.mark.parametrize("raw", ["", "yesterday", "2024-13-45", "not a date at all", None, 42])
def test_structured_garbage_is_none(raw: object) -> None:
    assert dates.parse_iso(raw) is None


def test_meta_value_in_prose_format_keeps_its_named_zone() -> None:
    value = dates.parse_structured("November 19, 2019, 07:47 PM EST", "en", FETCHED)
    assert value is not None and value.iso == "2019-11-19T19:47:00-05:00"


@pytest.mark.parametrize(
    ("text", "lang", "iso"),
    [
        ("21 de marzo de 2024", "es", "2024-03-21"),
        ("Publicado el 21 de marzo de 2024", "es", "2024-03-21"),
        ("12. März 2024, 14:30 Uhr", "de", "2024-03-12T14:30:00"),
        ("il 3 aprile 2024", "it", "2024-04-03"),
        ("3 avril 2024", "fr", "2024-04-03"),
        ("14/02/2024 à 07h00", "fr", "2024-02-14T07:00:00"),
        ("3 de abril de 2024 às 10h30", "pt", "2024-04-03T10:30:00"),
        ("March 21, 2024", "en", "2024-03-21"),
    ],
)
def test_visible_dates_in_the_page_language(text: str, lang: str, iso: str) -> None:
    value = dates.parse_text(text, lang, FETCHED)
    assert value is not None and value.iso == iso


@pytest.mark.parametrize(
    ("text", "lang", "iso"),
    [
        ("hace 2 días", "es", "2024-03-21"),  # day-granular: a date, no invented time
        ("há 3 dias", "pt", "2024-03-20"),
        ("yesterday", "en", "2024-03-22"),
        ("2 hours ago", "en", "2024-03-23T08:00:00+00:00"),  # resolved on the fetch clock (UTC)
        ("vor 3 Stunden", "de", "2024-03-23T07:00:00+00:00"),
        ("il y a 30 minutes", "fr", "2024-03-23T09:30:00+00:00"),
    ],
)
def test_relative_dates_resolve_against_fetch_time(text: str, lang: str, iso: str) -> None:
    value = dates.parse_text(text, lang, FETCHED)
    assert value is not None and value.iso == iso


def test_future_dates_are_not_plausible() -> None:
    assert not dates.plausible(dates.parse_iso("2024-03-25T10:00:00+00:00"), FETCHED)
    assert not dates.plausible(dates.parse_iso("2024-04-01"), FETCHED)
    assert not dates.plausible(dates.parse_iso("1970-01-01"), FETCHED)
    # A naive time a few hours "ahead" may just be a zone east of UTC: accepted.
    assert dates.plausible(dates.parse_iso("2024-03-23T18:00:00"), FETCHED)
    assert dates.plausible(dates.parse_iso("2024-03-23"), FETCHED)


def test_not_before_compares_at_the_coarser_precision() -> None:
    day = dates.parse_iso("2024-03-21")
    later_same_day = dates.parse_iso("2024-03-21T09:00:00+01:00")
    earlier = dates.parse_iso("2024-03-20T09:00:00+01:00")
    assert day and later_same_day and earlier
    assert dates.not_before(later_same_day, day)
    assert dates.not_before(day, later_same_day)
    assert not dates.not_before(earlier, later_same_day)


@pytest.mark.parametrize(
    ("url", "iso"),
    [
        ("https://x.com/2024/03/21/some-story/", "2024-03-21"),
        ("https://x.com/news/2024-03-21-some-story", "2024-03-21"),
        ("https://x.com/story-20240321.html", "2024-03-21"),
        ("https://x.com/2018/10/year-month-only.html", None),
        ("https://x.com/2024/02/31/impossible/", None),
        (None, None),
    ],
)
def test_date_from_url(url: str | None, iso: str | None) -> None:
    value = dates.date_from_url(url)
    assert (value.iso if value else None) == iso


def test_time_printed_before_the_date() -> None:
    value = dates.parse_text("Fri 6:45 PM, Feb 16, 2018", "en", FETCHED)
    assert value is not None and value.iso == "2018-02-16T18:45:00"


@pytest.mark.parametrize(
    ("text", "lang", "iso"),
    [
        (
            "March 21, 2024 at 10:00 am CET",
            "en",
            "2024-03-21T10:00:00+01:00",
        ),  # the page names its zone
        ("21.03.2024 14:30 MEZ", "de", "2024-03-21T14:30:00+01:00"),
        ("Mar 21, 2024 10:00 GMT+1", "en", "2024-03-21T10:00:00+01:00"),
        ("21 March 2024 10:00 post", "en", "2024-03-21T10:00:00"),  # a lower-case word is no zone
        (
            "21 March 2024 10:00 XYZT",
            "en",
            "2024-03-21T10:00:00",
        ),  # an unknown zone is dropped, not guessed
    ],
)
def test_named_zones(text: str, lang: str, iso: str) -> None:
    value = dates.parse_text(text, lang, FETCHED)
    assert value is not None and value.iso == iso


@pytest.mark.parametrize(
    ("text", "lang", "iso"),
    [
        ("Hoy, 14:30", "es", "2024-03-23T14:30:00"),  # the site's wall clock: naive, no zone
        ("ieri alle 18:45", "it", "2024-03-22T18:45:00"),
        ("hier à 18h45", "fr", "2024-03-22T18:45:00"),
        ("gestern, 09:15 Uhr", "de", "2024-03-22T09:15:00"),
    ],
)
def test_today_yesterday_with_a_clock_time(text: str, lang: str, iso: str) -> None:
    value = dates.parse_text(text, lang, FETCHED)
    assert value is not None and value.iso == iso


@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.one_of(
        st.none(),
        st.integers(min_value=-14 * 60, max_value=14 * 60).map(
            lambda m: timezone(timedelta(minutes=m))
        ),
    ),
)
def test_iso_round_trip_keeps_offset_or_naivety(moment: datetime, zone: timezone | None) -> None:
    dt = moment.replace(tzinfo=zone)
    value = dates.parse_iso(dt.isoformat())
    assert value is not None
    assert value.iso == dt.replace(microsecond=0).isoformat(timespec="seconds")
    assert value.naive is (zone is None)
