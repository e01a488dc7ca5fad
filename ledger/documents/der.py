"""DER at the byte level, for assembling SignedData from parts that must not be re-encoded.

asn1crypto re-encodes a loaded value whenever its length header happens to end in the byte 0x80
(it takes that for BER's indefinite length), and re-encoding a certificate means parsing its
public key, which asn1crypto cannot do for GOST keys. Certificates, earlier SignerInfos and
timestamp tokens are therefore carried here as the exact bytes they came as, and only the
SET OF around them is built anew (sorted, as DER wants).
"""

from __future__ import annotations

SEQUENCE = 0x30
SET = 0x31
INTEGER = 0x02


def tlv(tag: int, contents: bytes) -> bytes:
    size = len(contents)
    if size < 0x80:
        return bytes([tag, size]) + contents
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + contents


def _header(der: bytes, offset: int) -> tuple[int, int]:
    """(start of contents, end of value) of the value at `offset`; ValueError for BER's
    indefinite lengths or a value running past the input."""
    if offset + 2 > len(der):
        raise ValueError("truncated DER")
    first = der[offset + 1]
    if first < 0x80:
        start, size = offset + 2, first
    elif first == 0x80:
        raise ValueError("indefinite length (BER), not DER")
    else:
        count = first & 0x7F
        start = offset + 2 + count
        size = int.from_bytes(der[offset + 2 : start], "big")
    if start + size > len(der):
        raise ValueError("truncated DER")
    return start, start + size


def contents(der: bytes) -> bytes:
    start, end = _header(der, 0)
    if end != len(der):
        raise ValueError("trailing bytes after a DER value")
    return der[start:end]


def children(der: bytes) -> list[bytes]:
    """The encoded children of one constructed DER value, each with its own tag and length."""
    body = contents(der)
    found: list[bytes] = []
    offset = 0
    while offset < len(body):
        _, end = _header(body, offset)
        found.append(body[offset:end])
        offset = end
    return found


def set_of(encodings: list[bytes], tag: int = SET) -> bytes:
    return tlv(tag, b"".join(sorted(encodings)))


def integer(value: int) -> bytes:
    return tlv(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def object_identifier(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, body)
