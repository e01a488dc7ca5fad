// Verifying blocks and commit certificates against the genesis file alone (protocol.md §3, §4;
// architecture.md §4), each by the validator set in force at its height (§5, src/validators.mjs). Every function returns a list of problems (empty = valid) so that a
// caller sees every defect, not just the first.
import { sha256, voteSignBytes, VOTE_PRECOMMIT, validatorSetHash, rfc6962Root, evidenceHash } from './bytes.mjs';
import { types, toPlain, canonicalEncode } from './proto.mjs';
import { verifyP256 } from './keys.mjs';

const hex = (b) => Buffer.from(b ?? []).toString('hex');
const eq = (a, b) => Buffer.compare(Buffer.from(a ?? []), Buffer.from(b ?? [])) === 0;

/**
 * protocol.md §4 verify_commit_certificate: same height and block hash as expected, every signer
 * in the set, nobody twice, every signature valid over the precommit sign bytes, and the signers'
 * power more than 2/3 of the total.
 * @param cert plain CommitCertificate {height, round, block_hash, signatures:[{validator_id, signature}]}
 */
export function verifyCommitCertificate(set, cert, { height, blockHash }) {
  const problems = [];
  if (!cert) return { problems: ['no commit certificate'], signers: [], power: 0 };
  if (BigInt(cert.height) !== BigInt(height)) problems.push(`certificate height ${cert.height} != ${height}`);
  if (!eq(cert.block_hash, blockHash)) {
    problems.push(`certificate block hash ${hex(cert.block_hash)} != ${hex(blockHash)}`);
  }
  const seen = new Set();
  let power = 0;
  const signedBytes = voteSignBytes(set.chainId, VOTE_PRECOMMIT, cert.height, cert.round, cert.block_hash);
  for (const s of cert.signatures ?? []) {
    const v = set.byId.get(s.validator_id);
    if (!v) { problems.push(`signer ${s.validator_id} is not a validator in force`); continue; }
    if (seen.has(v.id)) { problems.push(`validator ${v.id} signed twice`); continue; }
    seen.add(v.id);
    if (!verifyP256(v.publicKey, signedBytes, Buffer.from(s.signature))) {
      problems.push(`bad precommit signature of ${v.id}`);
      continue;
    }
    power += v.power;
  }
  // "more than 2/3 of the total power": 3 * signed > 2 * total, in integers.
  if (3 * power <= 2 * set.totalPower) {
    problems.push(`signers hold ${power} of ${set.totalPower} power, not more than 2/3`);
  }
  return { problems, signers: [...seen], power };
}

/** Decode header bytes and refuse a non-canonical encoding (protocol.md §3). */
export function decodeHeader(headerBytes) {
  const { BlockHeader } = types();
  const header = toPlain(BlockHeader, BlockHeader.decode(headerBytes));
  const reencoded = canonicalEncode(BlockHeader, header);
  return { header, canonical: eq(reencoded, headerBytes) };
}

export function commitCertificateBytes(plainCert) {
  return canonicalEncode(types().CommitCertificate, plainCert);
}

/**
 * Check a block as GetBlock serves it: header canonical and hash, header fields against genesis,
 * contents against header, the carried last_commit (certificate of height-1) and the commit
 * certificate of this block. `chain` is the genesis (its set judges every height: right only
 * before the first validator-set change) or a ValidatorHistory that has followed the changes of
 * every block below this one (src/validators.mjs).
 */
export function verifyBlock(chain, response, { previousHash } = {}) {
  const problems = [];
  const block = response.block;
  if (!block) return { problems: ['response carries no block'] };
  const headerBytes = Buffer.from(block.header);
  const blockHash = sha256(headerBytes);
  const { header, canonical } = decodeHeader(headerBytes);
  const height = BigInt(header.height);
  const setAt = (h) => (typeof chain.setAt === 'function' ? chain.setAt(h) : chain);
  const inForce = setAt(height);
  if (!canonical) problems.push('header is not canonically encoded');
  if (response.block_hash?.length && !eq(response.block_hash, blockHash)) {
    problems.push(`served block_hash ${hex(response.block_hash)} != SHA-256(header) ${hex(blockHash)}`);
  }
  if (header.chain_id !== inForce.chainId) problems.push(`chain id ${header.chain_id} != genesis ${inForce.chainId}`);
  if (!inForce.byId.has(header.proposer)) problems.push(`proposer ${header.proposer} is not a validator`);
  const vsh = validatorSetHash(inForce.validators);
  if (!eq(header.validator_set_hash, vsh)) {
    problems.push(`validator_set_hash ${hex(header.validator_set_hash)} != recomputed ${hex(vsh)}`);
  }
  if (height === 1n && !eq(header.previous_block_hash, Buffer.alloc(32))) {
    problems.push('height 1 must have 32 zero bytes as previous_block_hash');
  }
  if (previousHash && !eq(header.previous_block_hash, previousHash)) problems.push('previous_block_hash does not link');

  // Contents (verify_block_contents).
  const txs = (block.transactions ?? []).map((t) => Buffer.from(t));
  if (txs.length !== header.transaction_count) {
    problems.push(`transaction_count ${header.transaction_count} != ${txs.length} carried`);
  }
  const txRoot = rfc6962Root(txs);
  if (!eq(header.transactions_root, txRoot)) {
    problems.push(`transactions_root ${hex(header.transactions_root)} != recomputed ${hex(txRoot)}`);
  }
  const evHash = evidenceHash((block.evidence ?? []).map((e) => Buffer.from(e)));
  if (!eq(header.evidence_hash, evHash)) problems.push('evidence_hash mismatch');
  let lastCommit = null;
  if (height > 1n) {
    if (!block.last_commit) problems.push('last_commit missing at height > 1');
    else {
      const lcHash = sha256(commitCertificateBytes(block.last_commit));
      if (!eq(header.last_commit_hash, lcHash)) {
        problems.push(`last_commit_hash ${hex(header.last_commit_hash)} != SHA-256(last_commit) ${hex(lcHash)}`);
      }
      lastCommit = verifyCommitCertificate(setAt(height - 1n), block.last_commit, {
        height: height - 1n, blockHash: header.previous_block_hash,
      });
      problems.push(...lastCommit.problems.map((p) => `last_commit: ${p}`));
    }
  } else {
    if (block.last_commit) problems.push('last_commit present at height 1');
    if (header.last_commit_hash?.length) problems.push('last_commit_hash must be empty at height 1');
  }
  const commit = verifyCommitCertificate(inForce, response.commit, { height, blockHash });
  problems.push(...commit.problems.map((p) => `commit: ${p}`));
  return { problems, header, blockHash, commit, lastCommit, set: inForce };
}
