"""Access roles: each includes the ones below it; a token's role is capped at its user's."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.roles import AccessRole

roles = st.sampled_from(list(AccessRole))


@given(roles, roles)
def test_a_capped_role_never_exceeds_its_ceiling_nor_itself(
    role: AccessRole, ceiling: AccessRole
) -> None:
    capped = role.capped(ceiling)
    assert ceiling.allows(capped) and role.allows(capped)
    assert capped in (role, ceiling)


@given(roles, roles, roles)
def test_capped_allows_exactly_what_both_allow(
    role: AccessRole, ceiling: AccessRole, needed: AccessRole
) -> None:
    assert role.capped(ceiling).allows(needed) == (role.allows(needed) and ceiling.allows(needed))
