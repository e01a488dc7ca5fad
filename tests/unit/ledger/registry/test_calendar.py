"""The working-day calendar (Labour Code calendar from genesis) and Algorithm para 38."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.calendar import InvalidCalendar, WorkingCalendar, service_deadline

ASTANA = WorkingCalendar(
    utc_offset_hours=5,
    weekend_days=frozenset({6, 7}),
    holidays=frozenset({date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 7)}),
    extra_working_days=frozenset({date(2026, 1, 3)}),  # a Saturday worked for a moved holiday
)


def test_transferred_saturday_is_a_working_day() -> None:
    assert ASTANA.is_working_day(date(2026, 1, 3))
    assert not ASTANA.is_working_day(date(2026, 1, 10))  # an ordinary Saturday


def test_deadline_after_new_year_holidays_lands_on_the_transferred_saturday_para_38() -> None:
    new_years_eve_evening = datetime(2025, 12, 31, 14, 0, tzinfo=UTC)  # 19:00 in Astana
    assert service_deadline(ASTANA, new_years_eve_evening) == date(2026, 1, 3)


def test_calendar_rejects_impossible_configurations() -> None:
    with pytest.raises(InvalidCalendar):
        WorkingCalendar(5, frozenset(range(1, 8)), frozenset(), frozenset())
    with pytest.raises(InvalidCalendar):
        WorkingCalendar(5, frozenset({0}), frozenset(), frozenset())
    day = date(2026, 3, 8)
    with pytest.raises(InvalidCalendar):
        WorkingCalendar(5, frozenset({6, 7}), frozenset({day}), frozenset({day}))


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    )
)
def test_deadline_is_the_first_working_day_after_the_local_day(moment: datetime) -> None:
    deadline = service_deadline(ASTANA, moment)
    local_day = ASTANA.local_date(moment)
    assert deadline > local_day
    assert ASTANA.is_working_day(deadline)
    assert (deadline - local_day).days <= 7
    skipped = [date.fromordinal(d) for d in range(local_day.toordinal() + 1, deadline.toordinal())]
    assert not any(ASTANA.is_working_day(day) for day in skipped)
