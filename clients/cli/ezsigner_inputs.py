"""What every `ezsigner` command shares about its input: the exit codes, the error for input it
cannot use (exit 2), reading a file, and a trust store made of the given authorities, the
intermediates a document or chain carries, and the given CRLs (each verified against that store
before it counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click
from cryptography import x509

from ledger.documents.cms import trust_with_embedded_authorities
from ledger.identity.certificates import CertificateInfo
from ledger.identity.revocation import (
    CertificateRejected,
    MalformedRevocationList,
    TrustStore,
    load_revocation_list,
    verify_revocation_list,
)

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNUSABLE_INPUT = 2


class UnusableInput(click.ClickException):
    """Input ezsigner cannot work with; reported on stderr with exit code 2."""

    exit_code = EXIT_UNUSABLE_INPUT


def fail(message: str) -> NoReturn:
    raise UnusableInput(message)


def read_input(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        fail(f"cannot read {what} {str(path)!r}: {error.strerror or error}")


def trust_with_crls(
    authorities: Sequence[CertificateInfo],
    carried: Sequence[x509.Certificate],
    crl_paths: Sequence[Path],
) -> TrustStore:
    """The authorities, the carried intermediates that chain to them, and each CRL's
    revocations once the CRL is verified against that store."""
    trust = trust_with_embedded_authorities(TrustStore(tuple(authorities)), tuple(carried))
    for crl_path in crl_paths:
        try:
            crl = verify_revocation_list(load_revocation_list(read_input(crl_path, "CRL")), trust)
        except MalformedRevocationList as error:
            fail(f"unusable CRL {str(crl_path)!r}: {error}")
        except CertificateRejected as rejection:
            fail(f"CRL {str(crl_path)!r} is not from a trusted authority: {rejection}")
        trust = trust.with_revocation_list(crl)
    return trust
