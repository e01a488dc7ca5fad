"""Properties of the CMS codec and verifier over generated documents and corrupted inputs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.documents.cms import MalformedCms, SignedDocument, SignerProblem, load_cms, verify_cms
from ledger.hashing import sha256
from tests.pki_fixtures import RECIPIENT_IIN, TestAuthority
from tests.unit.ledger.documents.support import CONTRACT, sign_as

_AUTHORITY = TestAuthority()
_RECIPIENT = _AUTHORITY.issue_individual("Recipient", RECIPIENT_IIN)
_TRUST = _AUTHORITY.trust_store()
_SIGNED_CONTRACT = sign_as(_RECIPIENT, _AUTHORITY)


@settings(max_examples=25, deadline=None)
@given(content=st.binary(max_size=2048), attached=st.booleans())
def test_any_document_signed_verifies(content: bytes, attached: bool) -> None:
    signed = sign_as(_RECIPIENT, _AUTHORITY, content, attached=attached)

    verification = verify_cms(signed, trust=_TRUST, content=None if attached else content)

    assert verification.valid
    assert verification.checked_content_sha256 == sha256(content)
    assert load_cms(signed).content == (content if attached else None)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_any_changed_byte_of_the_document_is_a_digest_mismatch(data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(CONTRACT) - 1))
    replacement = data.draw(
        st.integers(min_value=0, max_value=255).filter(lambda value: value != CONTRACT[position])
    )
    changed = CONTRACT[:position] + bytes([replacement]) + CONTRACT[position + 1 :]

    (verdict,) = verify_cms(_SIGNED_CONTRACT, trust=_TRUST, content=changed).signers

    assert verdict.problems == (SignerProblem.DIGEST_MISMATCH,)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes_are_read_or_rejected_as_malformed(data: bytes) -> None:
    try:
        document = load_cms(data)
    except MalformedCms:
        return
    assert isinstance(document, SignedDocument)


# A corrupted serial number may come out negative, which cryptography still parses with a warning.
@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_corrupted_signature_is_rejected_or_judged_never_crashes(data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(_SIGNED_CONTRACT) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    corrupted = bytearray(_SIGNED_CONTRACT)
    corrupted[position] ^= flip

    try:
        verification = verify_cms(bytes(corrupted), trust=_TRUST, content=CONTRACT)
    except MalformedCms:
        return
    # Some bytes are outside every signature (e.g. the outer digestAlgorithms set), so a
    # corrupted file may still verify; what must never happen is a crash or a silent pass
    # with a signer that was not checked.
    assert all(verdict.valid == (not verdict.problems) for verdict in verification.signers)
