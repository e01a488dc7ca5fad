"""The certificates that signed an application, kept so that REGISTER can judge revocation again.

Seed 003 para 18: checking an EDS means checking the certificate's validity and that it is not
revoked; Algorithm para 23(c): the registrar checks the participants' EDS when registering. A
signature is judged at submission, but a CRL committed later may revoke a signer's certificate
(a key compromise found late). So the application keeps, for every certificate in the chain of
each signer of its envelope and of its documents, the key under which its issuer revokes it
(issuer fingerprint, serial), and REGISTER refuses when any of them is revoked at or before its
block time (ADR 0005). No chain or certificate is stored: the trust store in state answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime

from ledger.identity.certificates import CertificateInfo
from ledger.identity.chains import verify_chain
from ledger.identity.revocation import CertificateRejected, TrustStore
from ledger.rejections import RejectionReason
from ledger.state.records import Application, CertificateLink
from ledger.transactions.envelope import Signer, reject


def chain_links(chain: Sequence[CertificateInfo]) -> tuple[CertificateLink, ...]:
    """Each certificate of a verified chain leaf..root except the root, under its issuer."""
    return tuple(
        CertificateLink(
            signer=_identify(subject),
            issuer_fingerprint=issuer.fingerprint,
            serial_hex=f"{subject.serial_number:x}",
        )
        for subject, issuer in itertools.pairwise(chain)
    )


def envelope_links(
    signers: Iterable[Signer], trust: TrustStore, at: datetime
) -> tuple[CertificateLink, ...]:
    """The chains of the envelope's signers, already verified at `at` with `trust`."""
    links: list[CertificateLink] = []
    for signer in signers:
        try:
            chain = verify_chain(signer.certificate, trust, at)
        except CertificateRejected as error:
            # verify_transaction accepted this signer with the same trust and time; refuse
            # rather than stop the block if that ever differs.
            raise reject(RejectionReason.CERTIFICATE_REVOKED, str(error)) from None
        links.extend(chain_links(chain))
    return tuple(links)


def distinct_links(*groups: Iterable[CertificateLink]) -> tuple[CertificateLink, ...]:
    """Each (issuer, serial) once, first occurrence first: the order of the transaction."""
    seen: set[tuple[str, str]] = set()
    kept: list[CertificateLink] = []
    for link in itertools.chain(*groups):
        key = (link.issuer_fingerprint, link.serial_hex)
        if key not in seen:
            seen.add(key)
            kept.append(link)
    return tuple(kept)


def require_signers_not_revoked(application: Application, trust: TrustStore, at: datetime) -> None:
    """Seed 003 para 18, Algorithm para 23(c): no certificate that signed the application or its
    documents (nor a CA above it) is revoked at or before `at`, the REGISTER block's time."""
    for link in application.signing_certificates:
        revoked_at = trust.revocation_time(link.issuer_fingerprint, link.serial_number)
        if revoked_at is not None and revoked_at <= at:
            raise reject(
                RejectionReason.CERTIFICATE_REVOKED,
                f"the certificate of {link.signer} (serial {link.serial_hex}) that signed "
                f"application {application.application_id} was revoked at "
                f"{revoked_at.isoformat()} (para 23(c): EDS checked at registration)",
            )


def _identify(certificate: CertificateInfo) -> str:
    if certificate.is_ca:
        return f"CA {certificate.subject_common_name}"
    parts = [f"IIN {certificate.iin}" if certificate.iin else certificate.subject_common_name]
    if certificate.bin:
        parts.append(f"BIN {certificate.bin}")
    return ", ".join(parts)
