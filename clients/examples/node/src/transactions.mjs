// Building and signing transactions (protocol.md §2; transaction.proto).
import crypto from 'node:crypto';
import { types, canonicalEncode } from './proto.mjs';
import { sha256 } from './bytes.mjs';
import { signP256 } from './keys.mjs';

export const transactionIdOf = (bodyBytes) => sha256(bodyBytes).toString('hex');

/** TransactionBody bytes: chain id, expiry height, 16 random nonce bytes, one action. */
export function encodeBody({ chainId, expiryHeight, nonce = crypto.randomBytes(16), action }) {
  const [name, value] = Object.entries(action)[0];
  return canonicalEncode(types().TransactionBody, {
    chain_id: chainId,
    expiry_height: String(expiryHeight),
    nonce,
    [name]: value,
  });
}

/** Envelope {body, signatures:[{certificate DER, signature DER over body}]}, one per signer. */
export function signEnvelope(bodyBytes, signers) {
  const signatures = signers.map((s) => ({
    certificate: s.certificateDer,
    signature: signP256(s.privateKey, bodyBytes),
  }));
  return canonicalEncode(types().Envelope, { body: bodyBytes, signatures });
}

/**
 * A PropertyImport action (transaction.proto: "A KTK-held dwelling entered from the cadastre ...
 * by a registrar"). kind: "APARTMENT" | "HOUSE"; area: decimal with at most 2 fraction digits.
 */
export function propertyImport({ cadastralNumber, address, kind = 'APARTMENT', area, holderBin }) {
  if (!/^\d+(\.\d{1,2})?$/.test(area)) throw new Error(`area ${area}: decimal with at most two fraction digits`);
  const PropertyKind = types().PropertyKind;
  if (!(kind in PropertyKind.values) || kind === 'PROPERTY_KIND_UNSPECIFIED') throw new Error(`kind ${kind}`);
  return {
    property_import: {
      cadastral_number: cadastralNumber,
      address,
      kind: PropertyKind.values[kind],
      area_square_metres: area,
      holder_bin: holderBin,
    },
  };
}
