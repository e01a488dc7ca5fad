// The fixed byte layouts of docs/protocol.md §4 (big-endian integers).
import { createHash } from 'node:crypto';

export const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

const u8 = (n) => Buffer.from([n]);
const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const i32 = (n) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
export { u8, u16, u32, i32, u64 };

function chainIdBytes(chainId) {
  const id = Buffer.from(chainId, 'utf8');
  if (id.length < 1 || id.length > 65535) throw new Error('chain id must be 1..65535 UTF-8 bytes');
  return Buffer.concat([u16(id.length), id]);
}

export const VOTE_PREVOTE = 1;
export const VOTE_PRECOMMIT = 2;

/** protocol.md §4 "Vote sign bytes". blockHash null/empty = nil. */
export function voteSignBytes(chainId, voteType, height, round, blockHash) {
  const nil = !blockHash || blockHash.length === 0;
  if (!nil && blockHash.length !== 32) throw new Error('block hash must be 32 bytes');
  return Buffer.concat([
    Buffer.from('tirkeu/vote/v1', 'ascii'),
    chainIdBytes(chainId),
    u8(voteType),
    u64(height),
    u32(round),
    u8(nil ? 0 : 1),
    nil ? Buffer.alloc(32) : Buffer.from(blockHash),
  ]);
}

/** protocol.md §4 "Proposal sign bytes". */
export function proposalSignBytes(chainId, height, round, validRound, blockHash) {
  return Buffer.concat([
    Buffer.from('tirkeu/proposal/v1', 'ascii'),
    chainIdBytes(chainId),
    u64(height),
    u32(round),
    i32(validRound),
    Buffer.from(blockHash),
  ]);
}

/**
 * protocol.md §4 "Validator set hash": SHA-256("tirkeu/certifying-validators/v1" ‖
 * SHA-256("tirkeu/validator-set/v1" ‖ u32 count ‖ for each: u32 id length, UTF-8 id, u64 power) ‖
 * SHA-256(cert DER) of each validator in set order).
 */
export function validatorSetHash(validators) {
  const inner = sha256(
    Buffer.from('tirkeu/validator-set/v1', 'ascii'),
    u32(validators.length),
    ...validators.flatMap((v) => {
      const id = Buffer.from(v.id, 'utf8');
      return [u32(id.length), id, u64(v.power)];
    }),
  );
  return sha256(
    Buffer.from('tirkeu/certifying-validators/v1', 'ascii'),
    inner,
    ...validators.map((v) => sha256(v.certificateDer)),
  );
}

/** RFC 6962 Merkle tree hash (architecture.md §4: transactions_root). */
export function rfc6962Root(leaves) {
  const mth = (items) => {
    if (items.length === 0) return sha256(Buffer.alloc(0));
    if (items.length === 1) return sha256(u8(0), items[0]);
    let k = 1;
    while (k * 2 < items.length) k *= 2;
    return sha256(u8(1), mth(items.slice(0, k)), mth(items.slice(k)));
  };
  return mth(leaves);
}

/** architecture.md §4: SHA-256 over the length-prefixed (u32 BE) evidence items; empty when none. */
export function evidenceHash(items) {
  if (items.length === 0) return Buffer.alloc(0);
  return sha256(...items.flatMap((e) => [u32(e.length), e]));
}
