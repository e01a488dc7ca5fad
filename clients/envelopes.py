"""Signed envelopes (DESIGN.md §3): the body bytes exactly as signed, and one signature per
party over those bytes with the signer's certificate (DER), in the algorithm of the signer's key:
ECDSA P-256, RSA PKCS#1 v1.5 (SHA-256) or GOST 34.10-2015 (Streebog), as the NCA issues them
(ledger/identity/algorithms.py).

Parties who sign on different machines pass an envelope file around: `write_envelope`, then each
adds theirs with `add_signature` (`tirkeu tx sign`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from google.protobuf.message import DecodeError
from tirkeu_pb import transaction_pb2 as pb

from clients.errors import AlreadySigned, InvalidCredentials, InvalidEnvelopeFile, read_file
from ledger.hashing import sha256_hex
from ledger.identity.algorithms import UnsupportedKey
from ledger.identity.certificates import MalformedCertificate, load_certificate_leniently
from ledger.identity.private_keys import SigningKey, load_signing_key, public_spki
from ledger.identity.signatures import sign_data


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """A private key with the certificate whose public key it matches."""

    key: SigningKey = field(repr=False, compare=False)
    certificate_der: bytes

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_pem: bytes) -> SigningIdentity:
        """The key and the first certificate of `certificate_pem` (a chain file is accepted)."""
        try:
            key = load_signing_key(key_pem)
        except UnsupportedKey as error:
            raise InvalidCredentials(f"not an unencrypted PEM private key: {error}") from None
        try:
            certificate = x509.load_pem_x509_certificates(certificate_pem)[0]
            der = certificate.public_bytes(serialization.Encoding.DER)
            certified = load_certificate_leniently(der)
        except (ValueError, MalformedCertificate) as error:
            raise InvalidCredentials(f"not a PEM certificate: {error}") from None
        if public_spki(key) != certified.key.spki_der:
            raise InvalidCredentials("the private key does not belong to the certificate")
        return cls(key, der)

    @classmethod
    def from_files(cls, key_path: Path, certificate_path: Path) -> SigningIdentity:
        return cls.from_pem(
            read_file(key_path, "private key"), read_file(certificate_path, "certificate")
        )

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.certificate_der)

    def sign(self, body: bytes) -> pb.Signature:
        return pb.Signature(certificate=self.certificate_der, signature=sign_data(self.key, body))


def sign_body(body: pb.TransactionBody | bytes, signers: Sequence[SigningIdentity]) -> pb.Envelope:
    """An envelope of the body's bytes signed by each signer in turn."""
    body_bytes = body if isinstance(body, bytes) else body.SerializeToString(deterministic=True)
    envelope = pb.Envelope(body=body_bytes)
    for signer in signers:
        envelope = add_signature(envelope, signer)
    return envelope


def add_signature(envelope: pb.Envelope, signer: SigningIdentity) -> pb.Envelope:
    """A copy of the envelope with one more signature over the same body bytes."""
    if any(existing.certificate == signer.certificate_der for existing in envelope.signatures):
        raise AlreadySigned(f"{signer.certificate.subject.rfc4514_string()} already signed")
    signed = pb.Envelope()
    signed.CopyFrom(envelope)
    signed.signatures.append(signer.sign(envelope.body))
    return signed


def transaction_id(envelope: pb.Envelope) -> str:
    """Hex SHA-256 of the envelope body, as the ledger names the transaction."""
    return sha256_hex(envelope.body)


def decode_body(envelope: pb.Envelope) -> pb.TransactionBody:
    body = pb.TransactionBody()
    try:
        body.ParseFromString(envelope.body)
    except DecodeError as error:
        raise InvalidEnvelopeFile(f"the envelope body is not a TransactionBody: {error}") from None
    return body


def write_envelope(path: Path, envelope: pb.Envelope) -> None:
    Path(path).write_bytes(envelope.SerializeToString(deterministic=True))


def read_envelope(path: Path) -> pb.Envelope:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InvalidEnvelopeFile(f"cannot read {path}: {error.strerror}") from None
    envelope = pb.Envelope()
    try:
        envelope.ParseFromString(data)
    except DecodeError as error:
        raise InvalidEnvelopeFile(f"{path} does not hold an Envelope: {error}") from None
    if not envelope.body:
        raise InvalidEnvelopeFile(f"{path} holds an envelope without a body")
    return envelope
