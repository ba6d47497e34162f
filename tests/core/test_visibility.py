"""The one visibility rule: a private incident is seen by admins and its members only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.visibility import EVERYONE, NOBODY, Members, Reader, can_see

ids = st.integers(min_value=1, max_value=20)
readers = st.builds(Reader, admin=st.booleans(), user_id=st.none() | ids, person_id=st.none() | ids)
members = st.builds(Members, user_ids=st.frozensets(ids), person_ids=st.frozensets(ids))


@given(readers, members)
def test_a_public_incident_is_seen_by_every_reader(reader: Reader, found: Members) -> None:
    assert can_see(reader, private=False, members=found)


@given(readers, members)
def test_a_private_incident_is_seen_by_admins_and_members_only(
    reader: Reader, found: Members
) -> None:
    member = (reader.user_id in found.user_ids) or (reader.person_id in found.person_ids)
    assert can_see(reader, private=True, members=found) == (reader.admin or member)


@given(members)
def test_the_public_never_sees_a_private_incident_and_the_system_always_does(
    found: Members,
) -> None:
    assert not can_see(NOBODY, private=True, members=found)
    assert can_see(EVERYONE, private=True, members=found)


def test_a_user_is_a_member_through_their_linked_person() -> None:
    found = Members(person_ids={7})
    assert can_see(Reader(user_id=3, person_id=7), private=True, members=found)
    assert not can_see(Reader(user_id=7), private=True, members=found)
