"""The test CA on disk, as `tirkeu-pki` keeps it.

    DIR/root.key.pem, root.cert.pem                 the root ("Test National CA"), key 0600
    DIR/intermediate.key.pem, intermediate.cert.pem  the issuing CA, key 0600
    DIR/chain.pem                                    issuing CA + root
    DIR/issued/<serial hex>.cert.pem                 a copy of every certificate issued
    DIR/index.json                                   issued certificates, revocations, CRL number
    DIR/.lock                                        flock(2) target while the index changes

index.json is the only mutable file; it is replaced atomically, under an exclusive lock on
DIR/.lock, so that two commands run at once cannot lose an entry. Keys are not encrypted: this is
a test CA, and file permissions are its only protection.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509

from clients.pki.authority import (
    IssuedCertificate,
    PkiInputError,
    Revocation,
    Validity,
    build_revocation_list,
    generate_key,
    issue_intermediate,
    issue_root,
    load_private_key,
)
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.certificates import MalformedCertificate, load_certificate
from ledger.identity.private_keys import SigningKey, public_spki

INDEX_FORMAT = 1
INDEX_FILE = "index.json"
CHAIN_FILE = "chain.pem"
LOCK_FILE = ".lock"
ISSUED_DIRECTORY = "issued"
PRIVATE_FILE_MODE = 0o600
PUBLIC_FILE_MODE = 0o644


class CorruptCaDirectory(Exception):
    """The directory looks like a test CA but its files are damaged or inconsistent."""


@dataclass(frozen=True, slots=True)
class IndexEntry:
    serial_number: int
    kind: str  # a CertificateKind value
    subject: str  # RFC 4514
    common_name: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    certificate_file: str  # relative to the CA directory
    revoked_at: datetime | None = None
    revocation_reason: str | None = None  # an x509.ReasonFlags value

    @classmethod
    def of(cls, issued: IssuedCertificate[SigningKey], certificate_file: str) -> IndexEntry:
        info = issued.info
        return cls(
            info.serial_number,
            info.kind.value,
            info.subject,
            info.subject_common_name,
            info.fingerprint,
            info.not_valid_before,
            info.not_valid_after,
            certificate_file,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "serial_number": str(self.serial_number),  # decimal text: JSON readers lose big ints
            "serial_hex": f"{self.serial_number:x}",
            "kind": self.kind,
            "subject": self.subject,
            "common_name": self.common_name,
            "fingerprint": self.fingerprint,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "certificate": self.certificate_file,
            "revoked_at": None if self.revoked_at is None else self.revoked_at.isoformat(),
            "revocation_reason": self.revocation_reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexEntry:
        revoked_at = data["revoked_at"]
        return cls(
            serial_number=int(data["serial_number"]),
            kind=str(data["kind"]),
            subject=str(data["subject"]),
            common_name=str(data["common_name"]),
            fingerprint=str(data["fingerprint"]),
            not_before=datetime.fromisoformat(data["not_before"]),
            not_after=datetime.fromisoformat(data["not_after"]),
            certificate_file=str(data["certificate"]),
            revoked_at=None if revoked_at is None else datetime.fromisoformat(revoked_at),
            revocation_reason=data["revocation_reason"],
        )

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if now < self.not_before:
            return "not yet valid"
        return "expired" if now > self.not_after else "valid"


@dataclass(frozen=True, slots=True)
class CaDirectory:
    path: Path
    root: IssuedCertificate[SigningKey]
    intermediate: IssuedCertificate[SigningKey]
    crl_number: int  # of the last CRL published; 0 before the first
    entries: tuple[IndexEntry, ...]

    @property
    def chain_file(self) -> Path:
        return self.path / CHAIN_FILE

    def entry(self, serial_number: int) -> IndexEntry:
        for entry in self.entries:
            if entry.serial_number == serial_number:
                return entry
        raise PkiInputError(f"no certificate with serial {serial_number} ({serial_number:x})")


def initialise_ca_directory(
    path: Path,
    root_name: str,
    intermediate_name: str,
    root: Validity,
    intermediate: Validity,
    *,
    key_type: KeyAlgorithm = KeyAlgorithm.ECDSA_P256,
) -> CaDirectory:
    """A new root and issuing CA in `path`, which must be absent or empty, with keys of
    `key_type` (an RSA or GOST hierarchy as the NCA has them; nodes need a P-256 one)."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise PkiInputError(f"{path} exists and is not an empty directory")
    root_certificate = issue_root(root_name, root, key=generate_key(key_type))
    intermediate_certificate = issue_intermediate(
        root_certificate, intermediate_name, intermediate, key=generate_key(key_type)
    )
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    (path / ISSUED_DIRECTORY).mkdir(mode=0o700)
    write_new_file(path / LOCK_FILE, b"", PUBLIC_FILE_MODE)
    for stem, issued in (("root", root_certificate), ("intermediate", intermediate_certificate)):
        write_new_file(path / f"{stem}.key.pem", issued.key_pem, PRIVATE_FILE_MODE)
        write_new_file(path / f"{stem}.cert.pem", issued.pem, PUBLIC_FILE_MODE)
    chain = intermediate_certificate.pem + root_certificate.pem
    write_new_file(path / CHAIN_FILE, chain, PUBLIC_FILE_MODE)
    directory = CaDirectory(path, root_certificate, intermediate_certificate, 0, ())
    save_index(directory)
    return directory


def open_ca_directory(path: Path) -> CaDirectory:
    if not (path / INDEX_FILE).is_file():
        raise PkiInputError(f"{path} is not a tirkeu-pki directory (no {INDEX_FILE}); run init")
    try:
        index = json.loads((path / INDEX_FILE).read_text(encoding="utf-8"))
        if index.get("format") != INDEX_FORMAT:
            raise CorruptCaDirectory(f"unknown index format {index.get('format')!r}")
        return CaDirectory(
            path=path,
            root=_load_authority(path, "root"),
            intermediate=_load_authority(path, "intermediate"),
            crl_number=int(index["crl_number"]),
            entries=tuple(IndexEntry.from_json(entry) for entry in index["certificates"]),
        )
    except (ValueError, KeyError, TypeError, MalformedCertificate) as error:
        raise CorruptCaDirectory(f"{path}: {error}") from None


def _load_authority(path: Path, stem: str) -> IssuedCertificate[SigningKey]:
    info = load_certificate((path / f"{stem}.cert.pem").read_bytes())
    key = load_private_key((path / f"{stem}.key.pem").read_bytes())
    if public_spki(key) != info.key.spki_der:
        raise CorruptCaDirectory(f"{stem}.key.pem does not match {stem}.cert.pem")
    return IssuedCertificate(key=key, certificate=info.certificate, info=info)


def save_index(directory: CaDirectory) -> None:
    index = {
        "format": INDEX_FORMAT,
        "root": directory.root.info.fingerprint,
        "intermediate": directory.intermediate.info.fingerprint,
        "crl_number": directory.crl_number,
        "certificates": [entry.to_json() for entry in directory.entries],
    }
    text = json.dumps(index, indent=2, ensure_ascii=False) + "\n"
    temporary = directory.path / f"{INDEX_FILE}.tmp"
    with temporary.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, directory.path / INDEX_FILE)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the CA directory's exclusive lock (blocking) for a read-modify-write of the index."""
    with (path / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def record_issued(directory: CaDirectory, issued: IssuedCertificate[SigningKey]) -> CaDirectory:
    """Keep a copy of the certificate and add it to the index."""
    relative = f"{ISSUED_DIRECTORY}/{issued.serial_number:x}.cert.pem"
    write_new_file(directory.path / relative, issued.pem, PUBLIC_FILE_MODE)
    updated = replace(directory, entries=(*directory.entries, IndexEntry.of(issued, relative)))
    save_index(updated)
    return updated


def record_revocation(
    directory: CaDirectory, serial_number: int, at: datetime, reason: x509.ReasonFlags
) -> tuple[CaDirectory, IndexEntry]:
    entry = directory.entry(serial_number)
    if entry.revoked_at is not None:
        raise PkiInputError(
            f"serial {serial_number:x} was already revoked at {entry.revoked_at.isoformat()}"
        )
    revoked = replace(entry, revoked_at=at, revocation_reason=reason.value)
    entries = tuple(revoked if e is entry else e for e in directory.entries)
    updated = replace(directory, entries=entries)
    save_index(updated)
    return updated, revoked


def publish_revocation_list(
    directory: CaDirectory, this_update: datetime, next_update: datetime
) -> tuple[CaDirectory, x509.CertificateRevocationList]:
    """A CRL of every revocation, signed by the issuing CA, with the next CRL number."""
    if next_update <= this_update:
        raise PkiInputError("the CRL's next update must come after this update")
    revocations = [
        Revocation(entry.serial_number, entry.revoked_at, _reason(entry.revocation_reason))
        for entry in directory.entries
        if entry.revoked_at is not None
    ]
    number = directory.crl_number + 1
    crl = build_revocation_list(
        directory.intermediate, revocations, number, this_update, next_update
    )
    updated = replace(directory, crl_number=number)
    save_index(updated)
    return updated, crl


def _reason(value: str | None) -> x509.ReasonFlags | None:
    return None if value is None else x509.ReasonFlags(value)


def write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start (a key is never readable by others, even
    briefly); refuse to overwrite."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.chmod(path, mode)  # the umask may have removed bits we meant to keep


def default_validity(now: datetime, days: int) -> Validity:
    # Backdated a little so that a machine whose clock lags the CA's still accepts it.
    return Validity(now - BACKDATE, now + timedelta(days=days))


BACKDATE = timedelta(minutes=5)
