"""A matched person's contact methods: Tocsin's kept, the source's added once by address."""

from __future__ import annotations

from tocsin.config_as_code.document import ContactMethodDoc
from tocsin.importers.contacts import ContactBook


def email(key: str, address: str) -> ContactMethodDoc:
    return ContactMethodDoc(key=key, kind="email", label=key, address=address)


def test_a_source_method_with_an_address_the_person_has_is_that_method() -> None:
    book = ContactBook([{"key": "work", "kind": "email", "label": "w", "address": "Kim@X.io"}])
    assert book.add(email("pd-contact-1", "kim@x.io ")) == "work"
    assert book.add(email("pd-contact-2", "kim@home.example")) == "pd-contact-2"
    assert book.add(email("pd-contact-2", "kim@home.example")) == "pd-contact-2"
    assert [m.key for m in book.docs] == ["work", "pd-contact-2"]


def test_a_sealed_method_without_its_address_is_kept_as_it_is() -> None:
    book = ContactBook([{"key": "chat", "kind": "slack", "label": "Slack"}])
    assert book.add(email("og-contact-1", "kim@x.io")) == "og-contact-1"
    assert [(m.key, m.address) for m in book.docs] == [
        ("chat", None),
        ("og-contact-1", "kim@x.io"),
    ]
