// The golden vectors of the contract (proto/vectors/), checked with this client's own code only:
// what the Python tests reproduce (tests/unit/test_golden_vectors.py), this reproduces too.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { voteSignBytes, proposalSignBytes, rfc6962Root, sha256, validatorSetHash, VOTE_PREVOTE, VOTE_PRECOMMIT } from '../src/bytes.mjs';
import { verifyBlock, verifyCommitCertificate, commitCertificateBytes } from '../src/verify.mjs';
import { verifyExtract, extractFromDocument } from '../src/extract.mjs';
import { parseProof } from '../src/smt.mjs';
import { loadGenesis } from '../src/genesis.mjs';
import { types, toPlain, canonicalEncode } from '../src/proto.mjs';
import { transactionIdOf } from '../src/transactions.mjs';
import { VECTORS, vector, h, getBlockResponse } from './helpers.mjs';

const genesis = loadGenesis(path.join(VECTORS, 'genesis.json'));
const hex = (b) => Buffer.from(b).toString('hex');

test('every body kind: canonical bytes from its fields, id, envelope, signatures', () => {
  const { TransactionBody, Envelope } = types();
  const { transactions, chain_id: chainId } = vector('transactions.json');
  assert.equal(chainId, genesis.chainId);
  const kinds = new Set();
  for (const t of transactions) {
    const body = h(t.body_hex);
    // The body's protobuf JSON, encoded canonically (protocol.md §3), is exactly the signed bytes.
    assert.equal(hex(canonicalEncode(TransactionBody, t.body)), t.body_hex, t.kind);
    assert.equal(toPlain(TransactionBody, TransactionBody.decode(body)).action, t.kind);
    assert.equal(transactionIdOf(body), t.transaction_id);
    if (t.application_id) assert.equal(t.application_id, t.transaction_id); // protocol.md §2
    const envelope = { body, signatures: t.signatures.map((s) => ({ certificate: h(s.certificate_hex), signature: h(s.signature_hex) })) };
    assert.equal(hex(canonicalEncode(Envelope, envelope)), t.envelope_hex);
    for (const s of envelope.signatures) {
      const key = new crypto.X509Certificate(s.certificate).publicKey;
      assert.ok(crypto.verify('sha256', body, { key, dsaEncoding: 'der' }, s.signature), `${t.kind} signature`);
      assert.ok(!crypto.verify('sha256', Buffer.concat([body, Buffer.from([0])]), { key, dsaEncoding: 'der' }, s.signature));
    }
    kinds.add(t.kind);
  }
  const action = TransactionBody.oneofs.action.oneof;
  assert.deepEqual([...kinds].sort(), [...action].sort());
});

test('blocks: hashes, roots, links and certificates against the genesis file', () => {
  const { blocks } = vector('blocks.json');
  const envelopes = new Map();
  for (const t of vector('transactions.json').transactions) {
    envelopes.set(t.height, [...(envelopes.get(t.height) ?? []), t.envelope_hex]);
  }
  let previousHash = Buffer.alloc(32);
  for (const b of blocks) {
    const response = getBlockResponse(b);
    const r = verifyBlock(genesis, response, { previousHash });
    assert.deepEqual(r.problems, [], `block ${b.height}`);
    assert.equal(hex(r.blockHash), b.block_hash);
    assert.equal(hex(sha256(h(b.commit_hex))), b.commit_hash);
    assert.equal(hex(commitCertificateBytes(response.commit)), b.commit_hex);
    assert.deepEqual(response.block.transactions.map(hex), envelopes.get(b.height) ?? []);
    for (const [name, value] of Object.entries(b.header)) {
      const served = r.header[name];
      assert.equal(Buffer.isBuffer(served) || served instanceof Uint8Array ? hex(served) : String(served), String(value), `${b.height}.${name}`);
    }
    previousHash = r.blockHash;
  }
  // One changed byte anywhere in a block is noticed.
  const tampered = getBlockResponse(blocks[1]);
  tampered.block.transactions[0] = Buffer.from(tampered.block.transactions[0]);
  tampered.block.transactions[0][40] ^= 1;
  assert.ok(verifyBlock(genesis, tampered).problems.some((p) => /transactions_root/.test(p)));
});

test('extracts: presence, absence at an empty subtree and at another leaf; records by schema', () => {
  const seen = new Set();
  for (const { document } of vector('extracts.json').extracts) {
    const x = extractFromDocument(document);
    const r = verifyExtract(genesis, x, document.cadastral_number);
    assert.deepEqual(r.problems, [], document.cadastral_number);
    assert.equal(r.property.present, document.property.present);
    assert.equal(r.encumbrance.present, document.active_encumbrance.present);
    // The decoded records are exactly the document's view (decoded by docs/state-records.md).
    assert.deepEqual(r.property.record, document.view.property);
    assert.deepEqual(r.encumbrance.record, document.view.active_encumbrance);
    for (const proven of [x.property, x.active_encumbrance]) {
      const p = parseProof(proven.proof);
      seen.add(`${proven.present ? 'present' : 'absent'}/${p.leaf ? 'leaf' : 'empty'}`);
    }
    // Claiming the other answer fails.
    const lie = extractFromDocument(document);
    lie.active_encumbrance.present = !lie.active_encumbrance.present;
    assert.ok(verifyExtract(genesis, lie, document.cadastral_number).problems.length > 0);
    if (document.property.present) {
      const bad = extractFromDocument(document);
      bad.property.value[bad.property.value.length - 1] ^= 1;
      assert.ok(verifyExtract(genesis, bad, document.cadastral_number).problems.length > 0);
    }
  }
  assert.deepEqual([...seen].sort(), ['absent/empty', 'absent/leaf', 'present/leaf']);
});

test('vote and proposal sign bytes', () => {
  const { votes, proposals } = vector('signing.json');
  for (const v of votes) {
    const type = { PREVOTE: VOTE_PREVOTE, PRECOMMIT: VOTE_PRECOMMIT }[v.type];
    const bytes = voteSignBytes(v.chain_id, type, BigInt(v.height), v.round, v.block_hash ? h(v.block_hash) : Buffer.alloc(0));
    assert.equal(hex(bytes), v.sign_bytes_hex);
  }
  for (const p of proposals) {
    assert.equal(hex(proposalSignBytes(p.chain_id, BigInt(p.height), p.round, p.valid_round, h(p.block_hash))), p.sign_bytes_hex);
  }
});

test('a 4-validator set in genesis order: hash and a 3-signer certificate', () => {
  const { validator_set: vs } = vector('signing.json');
  const validators = vs.validators.map((v) => ({
    id: v.id, power: v.power, certificateDer: h(v.certificate_der_hex),
    publicKey: new crypto.X509Certificate(h(v.certificate_der_hex)).publicKey,
  }));
  assert.equal(hex(validatorSetHash(validators)), vs.validator_set_hash);
  const set = { chainId: vs.chain_id, validators, byId: new Map(validators.map((v) => [v.id, v])), totalPower: validators.reduce((s, v) => s + v.power, 0) };
  const { CommitCertificate } = types();
  const cert = toPlain(CommitCertificate, CommitCertificate.decode(h(vs.commit_certificate.certificate_hex)));
  const at = { height: BigInt(vs.commit_certificate.height), blockHash: h(vs.commit_certificate.block_hash) };
  assert.deepEqual(verifyCommitCertificate(set, cert, at).problems, []);
  assert.deepEqual(cert.signatures.map((s) => s.validator_id), vs.commit_certificate.signers_in_order);
  assert.equal(hex(sha256(commitCertificateBytes(cert))), vs.commit_certificate.certificate_hash);
  cert.signatures.pop(); // power 4 of 10 left: no quorum
  assert.ok(verifyCommitCertificate(set, cert, at).problems.some((p) => /2\/3/.test(p)));
});

test('RFC 6962 roots, the empty tree included', () => {
  for (const c of vector('merkle.json').rfc6962_roots) {
    assert.equal(hex(rfc6962Root(c.leaves_hex.map(h))), c.root);
  }
});
