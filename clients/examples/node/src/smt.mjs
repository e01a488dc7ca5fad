// Sparse-Merkle state proofs (architecture.md §4 gives the tree; the proof byte format
// "proof_to_bytes" is NOT documented: the layout below was inferred from proofs served by a
// running node and checked against certified state roots; see GAPS.md G8).
//
// Tree: key path = SHA-256(record key), bits read most-significant first, 0 = left;
// leaf = SHA-256(0x00 ‖ path ‖ SHA-256(record bytes)); internal = SHA-256(0x01 ‖ left ‖ right);
// empty = 32 zero bytes; a subtree holding one record is that record's leaf (compact tree).
//
// Proof bytes (inferred):
//   u8  terminal kind: 0 = the walk ends at an empty subtree, 1 = it ends at a leaf
//   u16 depth d (big-endian): number of levels walked from the root
//   ceil(d/8) bytes bitmap, bit i (MSB first) set = sibling at level i is non-empty
//   32 bytes per set bit: the non-empty siblings, root level first
//   if terminal kind 1: 32 bytes leaf path, 32 bytes SHA-256 of the leaf's record bytes
import { sha256 } from './bytes.mjs';

const ZERO = Buffer.alloc(32);
const bit = (buf, i) => (buf[i >> 3] >> (7 - (i & 7))) & 1;

export function parseProof(bytes) {
  const b = Buffer.from(bytes);
  let o = 0;
  const need = (n) => { if (o + n > b.length) throw new Error('proof truncated'); const s = b.subarray(o, o + n); o += n; return s; };
  const kind = need(1)[0];
  if (kind !== 0 && kind !== 1) throw new Error(`proof: unknown terminal kind ${kind}`);
  const depth = need(2).readUInt16BE(0);
  if (depth > 256) throw new Error(`proof: depth ${depth} > 256`);
  const bitmap = need(Math.ceil(depth / 8));
  const siblings = [];
  for (let i = 0; i < depth; i++) siblings.push(bit(bitmap, i) ? Buffer.from(need(32)) : ZERO);
  // Bits beyond depth in the last bitmap byte must be zero (one proof, one encoding).
  for (let i = depth; i < bitmap.length * 8; i++) if (bit(bitmap, i)) throw new Error('proof: stray bitmap bit');
  let leaf = null;
  if (kind === 1) leaf = { path: Buffer.from(need(32)), valueHash: Buffer.from(need(32)) };
  if (o !== b.length) throw new Error(`proof: ${b.length - o} trailing bytes`);
  return { depth, siblings, leaf };
}

const leafHash = (path, valueHash) => sha256(Buffer.from([0]), path, valueHash);

/**
 * Verify that `key` is present with `value` (present=true) or absent (present=false) under `root`.
 * Returns a list of problems (empty = proven).
 */
export function verifyStateProof(root, { key, present, value, proof }) {
  const problems = [];
  let p;
  try { p = parseProof(proof); } catch (e) { return [e.message]; }
  const path = sha256(Buffer.from(key));
  let node;
  if (present) {
    if (!p.leaf) return ['presence proof ends at an empty subtree'];
    if (!p.leaf.path.equals(path)) problems.push('proof leaf is for another key');
    if (!p.leaf.valueHash.equals(sha256(Buffer.from(value)))) problems.push('record bytes do not match the proof leaf');
    node = leafHash(path, sha256(Buffer.from(value)));
  } else if (p.leaf) {
    // Absence: the walk along our path ends at another record's leaf, which must lie on our path.
    if (p.leaf.path.equals(path)) problems.push('absence proof ends at the key itself');
    for (let i = 0; i < p.depth; i++) {
      if (bit(p.leaf.path, i) !== bit(path, i)) { problems.push('absence proof leaf is not on the key path'); break; }
    }
    node = leafHash(p.leaf.path, p.leaf.valueHash);
  } else {
    node = ZERO;
  }
  for (let i = p.depth - 1; i >= 0; i--) {
    node = bit(path, i) === 0
      ? sha256(Buffer.from([1]), node, p.siblings[i])
      : sha256(Buffer.from([1]), p.siblings[i], node);
  }
  if (!node.equals(Buffer.from(root))) problems.push(`proof gives root ${node.toString('hex')}, not ${Buffer.from(root).toString('hex')}`);
  return problems;
}
