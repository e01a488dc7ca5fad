"""The working-day calendar of the genesis file and the service deadline of Algorithm para 38.

Para 38: the state service is provided "no later than one working day after the day on which
confirmation of payment of the state-registration fee is received". The day is the local day in
Kazakhstan (UTC+5 since 2024, configurable in genesis); working days follow the Labour Code
calendar, which the genesis file states as weekend days, holidays and transferred working days
(a Saturday made a working day when a holiday is moved). Pure: the caller passes the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

# A calendar whose every day is a holiday would loop for ever; a year and more of consecutive
# days off means the genesis file is wrong, and the deadline is a broken invariant.
_MAX_DAYS_OFF_IN_A_ROW = 400
_ISO_WEEKDAYS = frozenset(range(1, 8))


class InvalidCalendar(ValueError):
    """A calendar that cannot name working days (checked when genesis is loaded)."""


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    utc_offset_hours: int
    weekend_days: frozenset[int]  # ISO weekdays: 1 = Monday ... 7 = Sunday
    holidays: frozenset[date]
    extra_working_days: frozenset[date]  # weekend days made working days (transfers)

    def __post_init__(self) -> None:
        if not -12 <= self.utc_offset_hours <= 14:
            raise InvalidCalendar(f"UTC offset {self.utc_offset_hours} hours is not a time zone")
        if not self.weekend_days <= _ISO_WEEKDAYS:
            raise InvalidCalendar(f"weekend days {sorted(self.weekend_days)} are not 1..7")
        if self.weekend_days == _ISO_WEEKDAYS:
            raise InvalidCalendar("every weekday is a weekend day")
        both = self.holidays & self.extra_working_days
        if both:
            raise InvalidCalendar(f"{min(both).isoformat()} is both a holiday and a working day")

    def local_date(self, moment: datetime) -> date:
        """The calendar day in the calendar's time zone at `moment` (tz-aware)."""
        if moment.tzinfo is None:
            raise ValueError(f"{moment!r} has no time zone")
        return moment.astimezone(timezone(timedelta(hours=self.utc_offset_hours))).date()

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day not in self.holidays and day.isoweekday() not in self.weekend_days

    def first_working_day_after(self, day: date) -> date:
        candidate = day + timedelta(days=1)
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            if self.is_working_day(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise InvalidCalendar(f"no working day within {_MAX_DAYS_OFF_IN_A_ROW} days of {day}")


def service_deadline(calendar: WorkingCalendar, payment_confirmed_at: datetime) -> date:
    """Algorithm para 38: the first working day after the local day the payment confirmation
    was received (committed). The service is due by the end of that day."""
    return calendar.first_working_day_after(calendar.local_date(payment_confirmed_at))
