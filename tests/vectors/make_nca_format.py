"""Makes the committed vectors in tests/vectors/nca_format/: a GOST 34.10-2015 (512) and an RSA
hierarchy as the NCA has them, each with a person's certificate, a CRL, an OCSP response and a
CMS signature carrying an RFC 3161 timestamp token, all made by Tirkeu's own code (clients/pki,
ledger/documents). None of it is the NCA's material (see PROVENANCE.md); private keys are not
kept. Run from the repository root: python -m tests.vectors.make_nca_format
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from clients.pki.authority import Revocation, Validity, build_revocation_list, generate_key
from clients.pki.ocsp import OcspAnswer, build_ocsp_response
from clients.pki.tsa import issue_tsa, timestamp_token
from ledger.documents.build import attach_timestamp
from ledger.documents.cms import load_cms, sign_cms
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.ocsp import OcspStatus
from tests.pki_fixtures import KTK_BIN, KTK_NAME, RECIPIENT_IIN, TestAuthority

DIRECTORY = Path(__file__).parent / "nca_format"
MADE_AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)  # tests/pki_fixtures.py FIXTURE_NOW
CONTRACT = "Жалға алу шарты / lease-to-own contract No. 17, flat 12, Astana\n".encode()
HIERARCHIES = {
    "gost512": (KeyAlgorithm.GOST_2015_512, KeyAlgorithm.GOST_2015_512),
    "rsa": (KeyAlgorithm.RSA, KeyAlgorithm.RSA),
}


def make(name: str, hierarchy: KeyAlgorithm, person: KeyAlgorithm) -> None:
    authority = TestAuthority(
        f"Tirkeu Test {name.upper()} Root", issuing_name=f"Tirkeu Test {name.upper()} CA",
        key_type=hierarchy, person_key_type=person,
    )  # fmt: skip
    signer = authority.issue_employee("Ibrayev Marat Serikovich", bin_=KTK_BIN,
                                      organisation=KTK_NAME)  # fmt: skip
    revoked = authority.issue_individual("Bolatkyzy Aigerim", RECIPIENT_IIN)
    tsa = issue_tsa(
        authority.intermediate,
        f"Tirkeu Test {name.upper()} TSA",
        Validity(datetime(2025, 1, 1, tzinfo=UTC), datetime(2045, 1, 1, tzinfo=UTC)),
        generate_key(hierarchy),
    )
    signed = sign_cms(
        CONTRACT, signer.key, signer.certificate, (authority.intermediate.certificate,),
        signing_time=MADE_AT,
    )  # fmt: skip
    signature = load_cms(signed).signers[0].signature
    token = timestamp_token(tsa, signature, gen_time=MADE_AT, serial_number=1)
    crl = build_revocation_list(
        authority.intermediate, [Revocation(revoked.serial_number, MADE_AT - timedelta(days=1))],
        1, MADE_AT, MADE_AT + timedelta(days=30),
    ).public_bytes(Encoding.DER)  # fmt: skip
    ocsp = build_ocsp_response(
        authority.intermediate, authority.intermediate,
        [OcspAnswer(revoked.serial_number, OcspStatus.REVOKED, MADE_AT - timedelta(days=1)),
         OcspAnswer(signer.serial_number, OcspStatus.GOOD)],
        produced_at=MADE_AT, this_update=MADE_AT,
    )  # fmt: skip
    files = {
        "chain.pem": authority.chain_pem,
        "signer.pem": signer.pem,
        "revoked.pem": revoked.pem,
        "tsa.pem": tsa.pem,
        "contract.cms": attach_timestamp(signed, 0, token),
        "list.crl": crl,
        "status.ocsp": ocsp,
    }
    for file_name, data in files.items():
        (DIRECTORY / name / file_name).parent.mkdir(parents=True, exist_ok=True)
        (DIRECTORY / name / file_name).write_bytes(data)
    (DIRECTORY / "contract.txt").write_bytes(CONTRACT)


if __name__ == "__main__":
    for vector_name, (ca_key, person_key) in HIERARCHIES.items():
        make(vector_name, ca_key, person_key)
