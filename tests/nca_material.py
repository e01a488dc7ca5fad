"""The national CA's own public material, loaded from the installed PyPI package
`kalkan-xml-signer` (MIT; a dev dependency in pyproject.toml): the production NCA RK "GOST
2022" root ("НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) 2022") and its intermediate ("ҰЛТТЫҚ
КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) 2022"), as that package ships them in kalkan_xml_signer/certs/.
Nothing of the NCA's is committed to this repository: these are the only NCA bytes the tests
use. Every other key, certificate, CRL, OCSP response and timestamp is ours (tests/pki_fixtures.py
and tests/vectors/), made with Tirkeu's code.
"""

from __future__ import annotations

from pathlib import Path

import kalkan_xml_signer.certs
from asn1crypto import pem

NCA_PACKAGE = "kalkan-xml-signer 0.1.0 (PyPI, MIT), kalkan_xml_signer/certs/"


def _certificate(name: str) -> bytes:
    path = Path(kalkan_xml_signer.certs.__file__).parent / name
    _, _, der = pem.unarmor(path.read_bytes())
    return bytes(der)


def nca_gost_2022_root() -> bytes:
    """DER of the NCA RK GOST 2022 root (self-signed, GOST 34.10-2015 512-bit)."""
    return _certificate("root_gost_2022.pem")


def nca_gost_2022_intermediate() -> bytes:
    """DER of the NCA RK GOST 2022 intermediate, signed by the root."""
    return _certificate("nca_gost_2022.pem")
