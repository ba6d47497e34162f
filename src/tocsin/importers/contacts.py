"""A person's contact methods in an imported file, the same for every source.

A person matched by email keeps the contact methods Tocsin has for them; a source's method
with the same kind and address is that one (the rules then name it), not a copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tocsin.config_as_code.document import ContactMethodDoc


class ContactBook:
    def __init__(self, existing: Sequence[Mapping[str, Any]] = ()) -> None:
        self.docs = [ContactMethodDoc.model_validate(method) for method in existing]
        self._keys = {m.key for m in self.docs}
        self._by_address = {_where(m): m.key for m in self.docs if m.address}

    def add(self, method: ContactMethodDoc) -> str:
        """The key the rules should name for ``method``: the method with its address that
        the person has already, else its own (and it is added)."""
        if method.address:
            found = self._by_address.get(_where(method))
            if found is not None:
                return found
            self._by_address[_where(method)] = method.key
        if method.key not in self._keys:
            self.docs.append(method)
            self._keys.add(method.key)
        return method.key


def _where(method: ContactMethodDoc) -> tuple[str, str]:
    return method.kind.value, (method.address or "").strip().lower()
