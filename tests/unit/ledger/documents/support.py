"""Helpers for the CMS tests: the lease-to-own signers (Algorithm paras 17-18: recipient,
guarantor, KTK last), and a hand-made SignedData builder for inputs ezsigner itself never
produces (no signing time, other digest algorithms, a wrong signingCertificateV2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import cms as asn1_cms
from asn1crypto import tsp as asn1_tsp  # noqa: F401  registers signingCertificateV2
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from clients.pki.authority import IssuedCertificate
from ledger.documents.cms import sign_cms
from ledger.hashing import sha256
from tests.pki_fixtures import (
    FIXTURE_NOW,
    TestAuthority,
)

CONTRACT = "Жалға алу шарты / lease-to-own contract No. 17, flat 12, Astana\n".encode()


@dataclass(frozen=True, slots=True)
class Parties:
    authority: TestAuthority
    recipient: IssuedCertificate
    guarantor: IssuedCertificate
    ktk_officer: IssuedCertificate


def sign_as(
    signer: IssuedCertificate,
    authority: TestAuthority,
    content: bytes = CONTRACT,
    *,
    attached: bool = False,
    signing_time: datetime = FIXTURE_NOW,
) -> bytes:
    """`sign_cms` by `signer` with the issuing CA embedded, at FIXTURE_NOW by default."""
    return sign_cms(
        content,
        signer.key,
        signer.certificate,
        (authority.intermediate.certificate,),
        attached=attached,
        signing_time=signing_time,
    )


def hand_made_cms(
    signer: IssuedCertificate,
    content: bytes,
    attributes: Sequence[dict[str, object]] | None,
    *,
    digest_algorithm: str = "sha256",
    embed_certificate: bool = True,
) -> bytes:
    """A detached SignedData with exactly these signed attributes (None: no signed attributes,
    the signature then covers the content digest itself, RFC 5652 §5.4)."""
    asn1_certificate = asn1_x509.Certificate.load(signer.der)
    signed_attributes = None if attributes is None else asn1_cms.CMSAttributes(list(attributes))
    if signed_attributes is None:
        signature = signer.key.sign(sha256(content), ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    else:
        signature = signer.key.sign(signed_attributes.dump(), ec.ECDSA(hashes.SHA256()))
    signer_info: dict[str, object] = {
        "version": "v1",
        "sid": asn1_cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={
                "issuer": asn1_certificate.issuer,
                "serial_number": asn1_certificate.serial_number,
            },
        ),
        "digest_algorithm": {"algorithm": digest_algorithm},
        "signature_algorithm": {"algorithm": "sha256_ecdsa"},
        "signature": signature,
    }
    if signed_attributes is not None:
        signer_info["signed_attrs"] = signed_attributes
    signed_data: dict[str, object] = {
        "version": "v1",
        "digest_algorithms": [{"algorithm": digest_algorithm}],
        "encap_content_info": {"content_type": "data"},
        "signer_infos": [signer_info],
    }
    if embed_certificate:
        signed_data["certificates"] = [asn1_certificate]
    content_info = asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return bytes(content_info.dump())


def standard_attributes(
    content: bytes, *, signing_time: datetime | None = FIXTURE_NOW
) -> list[dict[str, object]]:
    """content-type, message-digest and (unless None) signing-time, as a producer would."""
    attributes: list[dict[str, object]] = [
        {"type": "content_type", "values": ["data"]},
        {"type": "message_digest", "values": [sha256(content)]},
    ]
    if signing_time is not None:
        attributes.append(
            {
                "type": "signing_time",
                "values": [asn1_cms.Time(name="utc_time", value=signing_time)],
            }
        )
    return attributes


def rewrite_signed_data(cms_der: bytes, field: str, value: object) -> bytes:
    """The same ContentInfo with one SignedData field replaced (to strip or swap parts)."""
    content_info = asn1_cms.ContentInfo.load(cms_der)
    signed_data = content_info["content"]
    signed_data[field] = value
    return bytes(
        asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    )


def rewrite_first_signer(cms_der: bytes, field: str, value: object) -> bytes:
    """The same ContentInfo with one field of the first SignerInfo replaced."""
    content_info = asn1_cms.ContentInfo.load(cms_der)
    signer_infos = list(content_info["content"]["signer_infos"])
    signer_infos[0][field] = value
    return rewrite_signed_data(cms_der, "signer_infos", signer_infos)


@dataclass(frozen=True, slots=True)
class Files:
    directory: Path
    root: Path
    issuing_ca: Path
    document: Path

    def write_signer(self, name: str, issued: IssuedCertificate) -> tuple[Path, Path]:
        key, certificate = self.directory / f"{name}.key", self.directory / f"{name}.pem"
        key.write_bytes(issued.key_pem)
        certificate.write_bytes(issued.pem)
        return key, certificate
