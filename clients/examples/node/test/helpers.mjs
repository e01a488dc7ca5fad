// The golden vectors of the contract (proto/vectors/, docs/protocol.md §14).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { types, toPlain } from '../src/proto.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const VECTORS = process.env.TIRKEU_VECTORS_DIR || path.resolve(here, '..', '..', '..', '..', 'proto', 'vectors');
export const vector = (name) => JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8'));
export const h = (s) => Buffer.from(s, 'hex');

/** A blocks.json entry in the shape GetBlock answers (block, block_hash, commit). */
export function getBlockResponse(entry) {
  const { Block, CommitCertificate } = types();
  return {
    block: toPlain(Block, Block.decode(h(entry.block_hex))),
    block_hash: h(entry.block_hash),
    commit: toPlain(CommitCertificate, CommitCertificate.decode(h(entry.commit_hex))),
  };
}
