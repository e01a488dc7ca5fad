"""`ezsigner`: sign documents with CMS and verify CMS signatures, standing in for ezsigner.kz.

The lease-to-own contract and the KTK letter are checked "via the ezsigner.kz service"
(Algorithm paras 18 and 29); seed 003 para 18 condition 2 names what such a check covers: the
certificate's validity period, its absence from the revocation lists, and the signer's IIN.

Exit codes: 0 every signer valid; 1 a signature is invalid or an expected signer is missing
(the reason is named in the output); 2 unusable input (an unreadable file, not CMS, a detached
signature without the document, a CRL that the trust store cannot vouch for, ...).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from clients.cli.ezsigner_certificate import certificate as certificate_command
from clients.cli.ezsigner_certificate import with_ocsp_evidence
from clients.cli.ezsigner_inputs import (
    EXIT_INVALID,
    EXIT_UNUSABLE_INPUT,
    EXIT_VALID,
    fail,
    read_input,
    trust_with_crls,
)
from clients.cli.ezsigner_report import iso as _iso
from clients.cli.ezsigner_report import json_report as _json_report
from clients.cli.ezsigner_report import text_report as _text_report
from clients.pki.authority import IssuedCertificate
from clients.pki.tsa import timestamp_token
from ledger.documents.build import attach_timestamp
from ledger.documents.cms import (
    CmsSigningRejected,
    MalformedCms,
    SignedDocument,
    add_signer,
    carried_digests,
    load_cms,
    missing_signers,
    sign_cms,
    verify_cms,
)
from ledger.identity.algorithms import SHA256, STREEBOG_256, STREEBOG_512, UnsupportedKey
from ledger.identity.certificates import (
    MalformedCertificate,
    load_certificate_leniently,
    load_certificates_pem,
)
from ledger.identity.identifiers import Bin, Iin, InvalidIdentifier, parse_bin, parse_iin
from ledger.identity.private_keys import SigningKey, load_signing_key
from ledger.identity.revocation import (
    TrustStore,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Sign documents with CMS (RFC 5652) and verify CMS signatures."""


_FILE = click.Path(path_type=Path, dir_okay=False)


cli.add_command(certificate_command)
_DIGESTS = {"sha256": SHA256, "streebog256": STREEBOG_256, "streebog512": STREEBOG_512}


@cli.command()
@click.option(
    "--key",
    "key_path",
    type=_FILE,
    required=True,
    help="Signer's key (PEM): ECDSA P-256, RSA or GOST 34.10-2015.",
)
@click.option("--cert", "cert_path", type=_FILE, required=True, help="Signer's certificate.")
@click.option("--chain", "chain_path", type=_FILE, help="Intermediate CA certificates (PEM).")
@click.option("--attached", is_flag=True, help="Embed the document in the signature.")
@click.option("--add-to", "existing_path", type=_FILE, help="Add a signer to this CMS file.")
@click.option("-o", "--output", "output_path", type=_FILE, required=True, help="CMS to write.")
@click.option(
    "--digest",
    "digest_name",
    type=click.Choice(sorted(_DIGESTS)),
    default="sha256",
    show_default=True,
    help="The document's digest: sha256 (what the ledger checks) or, for a GOST key, its "
    "Streebog (as NCALayer signs).",
)
@click.option("--tsa-key", "tsa_key_path", type=_FILE, help="Time-stamp with this TSA key...")
@click.option("--tsa-cert", "tsa_cert_path", type=_FILE, help="...and its certificate (RFC 3161).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.argument("document_path", metavar="DOCUMENT", type=_FILE)
def sign(
    *,
    key_path: Path,
    cert_path: Path,
    chain_path: Path | None,
    attached: bool,
    existing_path: Path | None,
    output_path: Path,
    digest_name: str,
    tsa_key_path: Path | None,
    tsa_cert_path: Path | None,
    as_json: bool,
    document_path: Path,
) -> None:
    """Sign DOCUMENT into a DER CMS SignedData (detached unless --attached).

    With --add-to, the signature is added as one more signer of an existing file: the contract
    is signed by the recipient, then the guarantors, then KTK last (Algorithm paras 17-18).
    """
    if attached and existing_path is not None:
        fail("--attached cannot be combined with --add-to: the existing file decides")
    content = read_input(document_path, "document")
    private_key = _load_private_key(read_input(key_path, "key"))
    certificate = _load_single_certificate(read_input(cert_path, "certificate"))
    chain = _load_certificates(read_input(chain_path, "chain")) if chain_path else ()
    signing_time = datetime.now(UTC)
    try:
        if existing_path is None:
            signed = sign_cms(
                content, private_key, certificate, chain, attached=attached,
                signing_time=signing_time, digest_algorithm=_DIGESTS[digest_name],
            )  # fmt: skip
        else:
            existing = read_input(existing_path, "existing signature")
            signed = add_signer(
                existing, content, private_key, certificate, chain,
                signing_time=signing_time, digest_algorithm=_DIGESTS[digest_name],
            )  # fmt: skip
    except (CmsSigningRejected, MalformedCms) as error:
        fail(f"cannot sign: {error}")
    if (tsa_key_path is None) != (tsa_cert_path is None):
        fail("--tsa-key and --tsa-cert go together")
    if tsa_key_path is not None and tsa_cert_path is not None:
        signed = _timestamped(signed, certificate, tsa_key_path, tsa_cert_path, signing_time)
    _write_replacing(output_path, signed)
    signed_data = load_cms(signed)
    signers = len(signed_data.signers)
    carried = _carried(content, signed_data)
    if as_json:
        report = {
            "output": str(output_path),
            "signers": signers,
            "signing_time": _iso(signing_time),
            "digests": carried,
        }
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo(
            f"signed {document_path} as {_common_name(certificate)}; "
            f"{output_path} has {signers} signer(s)"
        )
        click.echo(_carried_line(carried))


def _carried(content: bytes, document: SignedDocument) -> dict[str, str]:
    """The digests a transaction's SignedDocument must carry for this file and signature: the
    SHA-256, and the Streebog digest a GOST signer's messageDigest uses (ADR 0009)."""
    algorithms = [signer.digest_algorithm for signer in document.signers]
    return {field: value.hex() for field, value in carried_digests(content, algorithms).items()}


def _carried_line(carried: dict[str, str]) -> str:
    return "digests to carry in a transaction: " + " ".join(f"{k}={v}" for k, v in carried.items())


def _timestamped(
    signed: bytes, certificate: x509.Certificate, key_path: Path, cert_path: Path, at: datetime
) -> bytes:
    """The new signer's signature stamped by a TSA whose key we hold: a stand-in for the
    NCA's TSA service, which Tirkeu does not call (RFC 3161 over HTTP is the caller's part)."""
    tsa_certificate = _load_single_certificate(read_input(cert_path, "TSA certificate"))
    tsa_key = _load_private_key(read_input(key_path, "TSA key"))
    tsa = IssuedCertificate(
        key=tsa_key,
        certificate=tsa_certificate,
        info=load_certificate_leniently(tsa_certificate.public_bytes(Encoding.DER)),
    )
    document = load_cms(signed)
    serial = certificate.serial_number
    index = next(i for i, s in enumerate(document.signers) if s.identifier.serial_number == serial)
    token = timestamp_token(
        tsa, document.signers[index].signature, gen_time=at, serial_number=int(at.timestamp())
    )
    return attach_timestamp(signed, index, token)


def _write_replacing(path: Path, data: bytes) -> None:
    """Write through a temporary file so that `-o` may name the --add-to file: a failed write
    never leaves the earlier signers' file half-overwritten."""
    temporary = path.with_name(f".{path.name}.partial")
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        fail(f"cannot write {str(path)!r}: {error.strerror or error}")


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _load_private_key(data: bytes) -> SigningKey:
    try:
        return load_signing_key(data)
    except UnsupportedKey as error:
        fail(f"not an unencrypted PEM private key of a supported type: {error}")


def _load_certificates(data: bytes) -> tuple[x509.Certificate, ...]:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return tuple(x509.load_pem_x509_certificates(data))
        return (x509.load_der_x509_certificate(data),)
    except ValueError as error:
        fail(f"not a certificate file: {error}")


def _load_single_certificate(data: bytes) -> x509.Certificate:
    certificates = _load_certificates(data)
    if len(certificates) != 1:
        fail(f"expected one signer certificate, found {len(certificates)}")
    return certificates[0]


@cli.command()
@click.option(
    "--trust", "trust_path", type=_FILE, required=True, help="Trusted roots and CAs (PEM)."
)
@click.option("--crl", "crl_paths", type=_FILE, multiple=True, help="CRL (DER or PEM).")
@click.option(
    "--ocsp", "ocsp_paths", type=_FILE, multiple=True, help="OCSP response (DER, RFC 6960)."
)
@click.option("--content", "content_path", type=_FILE, help="The signed document.")
@click.option("--content-sha256", "content_sha256_hex", help="The document's SHA-256 (hex).")
@click.option(
    "--content-streebog256", "streebog256_hex", help="...and its Streebog-256 (hex), as carried."
)
@click.option(
    "--content-streebog512", "streebog512_hex", help="...and its Streebog-512 (hex), as carried."
)
@click.option(
    "--revocation-check-time",
    type=click.DateTime(),
    help="Also count revocations up to this UTC time (default: only up to the signing time).",
)
@click.option("--expect-iin", "expected_iins", multiple=True, help="A valid signer must have it.")
@click.option("--expect-bin", "expected_bins", multiple=True, help="A valid signer must have it.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.argument("signature_path", metavar="SIGNATURE", type=_FILE)
def verify(
    *,
    trust_path: Path,
    crl_paths: tuple[Path, ...],
    ocsp_paths: tuple[Path, ...],
    content_path: Path | None,
    content_sha256_hex: str | None,
    streebog256_hex: str | None,
    streebog512_hex: str | None,
    revocation_check_time: datetime | None,
    expected_iins: tuple[str, ...],
    expected_bins: tuple[str, ...],
    as_json: bool,
    signature_path: Path,
) -> None:
    """Verify every signer of SIGNATURE (exit 0 valid, 1 invalid, 2 unusable input).

    Checks the signature and message digest, the chain to a trusted root (intermediates
    embedded in SIGNATURE count when they chain to one), validity at the signing time, key
    usage and revocation by the given CRLs (seed 003 para 18 condition 2).
    """
    iins, bins = _iins(expected_iins), _bins(expected_bins)
    document = _load_signature(read_input(signature_path, "signature"))
    content = read_input(content_path, "document") if content_path else None
    content_sha256 = _digest(content_sha256_hex, "sha256", 32) if content_sha256_hex else None
    # As the ledger checks a document from a transaction's digests (transaction.proto).
    streebog = {
        oid: _digest(text, name, size)
        for oid, name, size, text in (
            (STREEBOG_256, "streebog256", 32, streebog256_hex),
            (STREEBOG_512, "streebog512", 64, streebog512_hex),
        )
        if text
    }
    if streebog and content_sha256 is None:
        fail("--content-streebog256/512 go with --content-sha256")
    if content is not None and content_sha256 is not None:
        fail("give --content or --content-sha256, not both")
    if document.is_detached and content is None and content_sha256 is None:
        fail("the signature is detached: give the signed document with --content")
    trust = _trust_store(read_input(trust_path, "trust roots"), document, crl_paths)
    trust, ocsp_evidence = with_ocsp_evidence(trust, ocsp_paths)
    check_time = revocation_check_time.replace(tzinfo=UTC) if revocation_check_time else None
    verification = verify_cms(
        document,
        trust=trust,
        content=content,
        content_sha256=content_sha256,
        content_digests=streebog,
        revocation_check_time=check_time,
        lenient_identifiers=True,  # a bad check digit warns; the signature verdict stands
    )
    missing = missing_signers(verification, iins=iins, bins=bins)
    known = content if content is not None else document.content
    carried = _carried(known, document) if known is not None else None
    if as_json:
        report = _json_report(verification, missing) | {"ocsp": ocsp_evidence}
        click.echo(json.dumps(report | {"digests": carried}, ensure_ascii=False, indent=2))
    else:
        click.echo(_text_report(verification, missing))
        if carried is not None:
            click.echo(_carried_line(carried))
        for item in ocsp_evidence:
            click.echo(
                f"OCSP: serial {item['serial_number']} {item['status']} as of "
                f"{item['produced_at']}"
                + (f", revoked at {item['revoked_at']}" if item["revoked_at"] else "")
            )
    click.get_current_context().exit(
        EXIT_VALID if verification.valid and not missing else EXIT_INVALID
    )


def _iins(texts: tuple[str, ...]) -> tuple[Iin, ...]:
    try:
        return tuple(parse_iin(text) for text in texts)
    except InvalidIdentifier as error:
        fail(str(error))


def _bins(texts: tuple[str, ...]) -> tuple[Bin, ...]:
    try:
        return tuple(parse_bin(text) for text in texts)
    except InvalidIdentifier as error:
        fail(str(error))


def _load_signature(data: bytes) -> SignedDocument:
    try:
        return load_cms(data)
    except MalformedCms as error:
        fail(f"not a CMS signature: {error}")


def _digest(text: str, name: str, size: int) -> bytes:
    try:
        digest = bytes.fromhex(text)
    except ValueError:
        fail(f"--content-{name} is not hexadecimal")
    if len(digest) != size:
        fail(f"--content-{name} must be {size} bytes ({2 * size} hex digits)")
    return digest


def _trust_store(roots: bytes, document: SignedDocument, crl_paths: tuple[Path, ...]) -> TrustStore:
    """The roots (and intermediates) of ROOTS.pem, the embedded intermediates that chain to
    them, and the revocations of the CRLs, each CRL verified against that store first."""
    try:
        authorities = load_certificates_pem(roots)
    except (MalformedCertificate, InvalidIdentifier) as error:
        fail(f"unusable trust roots: {error}")
    if not authorities:
        fail("the trust roots file holds no certificate")
    return trust_with_crls(authorities, document.certificates, crl_paths)


def main(argv: list[str] | None = None) -> int:
    """Console entry point; returns the exit code (0 valid, 1 invalid, 2 unusable input)."""
    try:
        result = cli.main(args=argv, prog_name="ezsigner", standalone_mode=False)
    except (
        click.ClickException
    ) as error:  # UnusableInput (ezsigner_inputs.py) and click's usage errors
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        return EXIT_UNUSABLE_INPUT
    return result if isinstance(result, int) else EXIT_VALID
