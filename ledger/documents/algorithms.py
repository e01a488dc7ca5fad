"""Which signature and digest algorithms a CMS SignerInfo uses, and the digests to check.

RFC 5652 names two algorithms per signer: the digestAlgorithm of the content's messageDigest
and the signatureAlgorithm over the signed attributes. Producers write the latter either as a
signature scheme (ecdsa-with-SHA256, sha256WithRSAEncryption, the NCA's GOST 2015 signature
OIDs) or as the bare key type (id-ecPublicKey, rsaEncryption: what `openssl cms` writes; the
GOST key OIDs); both are read here as the one scheme Tirkeu accepts for that key type
(ledger/identity/algorithms.py). Documents the ledger records are known by their SHA-256; a
signer whose messageDigest is Streebog is checked against the document itself where it is at
hand (ezsigner), else against the Streebog digest the transaction carries beside the SHA-256
(docs/protocol.md, ADR 0009).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ledger.identity.algorithms import (
    DEFAULT_SIGNATURE,
    DIGEST_NAMES,
    EC_PUBLIC_KEY,
    GOST_2015_256_KEY,
    GOST_2015_512_KEY,
    RSA_ENCRYPTION,
    SHA256,
    SIGNATURE_ALGORITHMS,
    STREEBOG_256,
    STREEBOG_512,
    KeyAlgorithm,
    SignatureAlgorithm,
    digest,
)

_KEY_TYPE_OIDS = {
    EC_PUBLIC_KEY: KeyAlgorithm.ECDSA_P256,
    RSA_ENCRYPTION: KeyAlgorithm.RSA,
    GOST_2015_256_KEY: KeyAlgorithm.GOST_2015_256,
    GOST_2015_512_KEY: KeyAlgorithm.GOST_2015_512,
}


def signer_algorithm(signature_oid: str, digest_oid: str) -> SignatureAlgorithm | None:
    """The scheme a SignerInfo names, if Tirkeu accepts it with that digest algorithm. A GOST
    signer may digest the content with SHA-256 (documents for the ledger) or with the Streebog
    its signature uses (as NCALayer does); RSA and ECDSA signers digest with SHA-256."""
    if signature_oid in SIGNATURE_ALGORITHMS:
        algorithm = SIGNATURE_ALGORITHMS[signature_oid]
    elif signature_oid in _KEY_TYPE_OIDS:
        algorithm = DEFAULT_SIGNATURE[_KEY_TYPE_OIDS[signature_oid]]
    else:
        return None
    return algorithm if digest_oid in (SHA256, algorithm.digest) else None


def digest_name(oid: str) -> str:
    return DIGEST_NAMES.get(oid, oid)


@dataclass(frozen=True, slots=True)
class ContentDigests:
    """The document's digest under any algorithm when the document is at hand, or only the
    digests given (the ledger: the SHA-256, and the Streebog ones a transaction carries). Each
    digest is computed once: the signers of one document usually share it, and Streebog in pure
    Python is slow (about 300 KB/s)."""

    content: bytes | None
    sha256: bytes | None
    given: Mapping[str, bytes] = field(default_factory=dict)  # digest OID -> digest, not SHA-256
    _computed: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def of(self, algorithm_oid: str) -> bytes | None:
        if algorithm_oid == SHA256:
            return self.sha256
        if algorithm_oid in self.given:
            return self.given[algorithm_oid]
        if self.content is None or algorithm_oid not in DIGEST_NAMES:
            return None
        value = self._computed.get(algorithm_oid)
        if value is None:
            value = digest(algorithm_oid, self.content)
            self._computed[algorithm_oid] = value
        return value


# The SignedDocument field (transaction.proto) that carries each digest.
DIGEST_FIELDS = {SHA256: "sha256", STREEBOG_256: "streebog256", STREEBOG_512: "streebog512"}


def carried_digests(content: bytes, signer_digest_algorithms: Iterable[str]) -> dict[str, bytes]:
    """The digests a transaction's SignedDocument carries for `content`, by field name: always
    its SHA-256 (the document's identity), and each Streebog digest that a signer's
    messageDigest uses (ADR 0009). Unknown digest algorithms are left to the verdict."""
    oids = {SHA256} | {oid for oid in signer_digest_algorithms if oid in DIGEST_FIELDS}
    ordered = sorted(oids, key=lambda oid: (oid != SHA256, oid))  # the identity first
    return {DIGEST_FIELDS[oid]: digest(oid, content) for oid in ordered}
