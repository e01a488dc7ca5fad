"""Record storage: deterministic msgpack that loads back to the same value, and loud failure on
bytes that are not the record expected (DESIGN.md §5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.registry.notifications import load_notification, save_notification
from ledger.state.records import (
    CorruptRecord,
    Encumbrance,
    EncumbranceKind,
    EncumbranceStatus,
    IdentifierKind,
    PartyIdentifier,
    Property,
    PropertyKind,
    RegistrationSheetEntry,
    SheetEntryKind,
    from_unix_ms,
    load_application,
    load_property,
    save_application,
    save_property,
    unix_ms,
)
from tests.unit.ledger.registry.story import Story

texts = st.text(max_size=20)
heights = st.integers(min_value=0, max_value=2**63 - 1)
digests = st.binary(min_size=32, max_size=32)
moments = st.integers(min_value=0, max_value=4_102_444_800_000).map(from_unix_ms)
parties = st.builds(PartyIdentifier, st.sampled_from(IdentifierKind), texts)
encumbrances = st.builds(
    Encumbrance,
    st.just(EncumbranceKind.LEASE),
    st.sampled_from(EncumbranceStatus),
    texts,
    texts,
    texts,
    heights,
    st.none() | heights,
    digests,
)
entries = st.builds(
    RegistrationSheetEntry,
    heights,
    st.sampled_from(SheetEntryKind),
    texts,
    texts,
    heights,
    moments,
    texts,
    digests,
    parties,
    st.none() | texts,
    texts,
)
properties = st.builds(
    Property,
    texts,
    texts,
    st.sampled_from(PropertyKind),
    texts,
    parties,
    st.lists(encumbrances, max_size=3).map(tuple),
    st.lists(entries, max_size=3).map(tuple),
    heights,
    texts,
)


@settings(max_examples=50, deadline=None)
@given(properties)
def test_property_round_trips_and_encodes_deterministically(record: Property) -> None:
    data = save_property(record)
    assert load_property(data) == record
    assert save_property(load_property(data)) == data


def test_application_and_notifications_of_the_story_round_trip() -> None:
    story = Story()
    application_id = story.registered_lease()
    application = story.ledger.application(application_id)
    assert application is not None
    assert load_application(save_application(application)) == application
    for notification in story.ledger.notifications:
        assert load_notification(save_notification(notification)) == notification


def test_bytes_that_are_not_the_expected_record_raise_corrupt_record() -> None:
    story = Story()
    story.import_property()
    found = story.ledger.property("21:318:023:1245:1/45")
    assert found is not None
    with pytest.raises(CorruptRecord):
        load_application(save_property(found))
    with pytest.raises(CorruptRecord):
        load_property(b"\xc1")
    with pytest.raises(CorruptRecord):
        load_property(save_property(found)[:-1])  # truncated


def test_times_are_whole_milliseconds_and_utc() -> None:
    moment = datetime(2026, 5, 4, 4, 0, 0, 123000, tzinfo=UTC)
    assert from_unix_ms(unix_ms(moment)) == moment
    with pytest.raises(ValueError):
        unix_ms(moment + timedelta(microseconds=1))
    with pytest.raises(ValueError):
        unix_ms(datetime(2026, 5, 4))  # naive
    assert date(2026, 5, 4) == from_unix_ms(unix_ms(moment)).date()
