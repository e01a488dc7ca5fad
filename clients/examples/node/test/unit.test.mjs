import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { voteSignBytes, proposalSignBytes, rfc6962Root, evidenceHash, sha256 } from '../src/bytes.mjs';
import { verifyCommitCertificate } from '../src/verify.mjs';
import { verifyStateProof, parseProof } from '../src/smt.mjs';
import { decodeMsgpack } from '../src/msgpack.mjs';
import { encodeBody, signEnvelope, transactionIdOf, propertyImport } from '../src/transactions.mjs';
import { types, toPlain } from '../src/proto.mjs';
import { vector, h } from './helpers.mjs';

const hex = (b) => Buffer.from(b).toString('hex');

test('vote sign bytes follow the protocol.md §5 table', () => {
  const hash = Buffer.alloc(32, 0xab);
  const b = voteSignBytes('tirkeu-local', 2, 7n, 3, hash);
  assert.equal(b.length, 14 + 2 + 12 + 1 + 8 + 4 + 1 + 32);
  assert.equal(b.subarray(0, 14).toString('ascii'), 'tirkeu/vote/v1');
  assert.equal(b.readUInt16BE(14), 12);
  assert.equal(b.subarray(16, 28).toString(), 'tirkeu-local');
  assert.equal(b[28], 2);
  assert.equal(b.readBigUInt64BE(29), 7n);
  assert.equal(b.readUInt32BE(37), 3);
  assert.equal(b[41], 1);
  assert.deepEqual(b.subarray(42), hash);
  const nil = voteSignBytes('tirkeu-local', 1, 7n, 0, Buffer.alloc(0));
  assert.equal(nil[41], 0);
  assert.deepEqual(nil.subarray(42), Buffer.alloc(32));
});

test('proposal sign bytes carry a signed valid round', () => {
  const b = proposalSignBytes('c', 1n, 2, -1, Buffer.alloc(32));
  assert.equal(b.subarray(0, 18).toString(), 'tirkeu/proposal/v1');
  assert.equal(b.readInt32BE(18 + 3 + 12), -1);
});

test('RFC 6962 root: empty, one leaf, three leaves', () => {
  assert.equal(hex(rfc6962Root([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const a = Buffer.from('a'); const b = Buffer.from('b'); const c = Buffer.from('c');
  const leaf = (x) => sha256(Buffer.from([0]), x);
  const node = (l, r) => sha256(Buffer.from([1]), l, r);
  assert.deepEqual(rfc6962Root([a]), leaf(a));
  assert.deepEqual(rfc6962Root([a, b, c]), node(node(leaf(a), leaf(b)), leaf(c)));
  assert.deepEqual(evidenceHash([]), Buffer.alloc(0));
});

function fakeSet(n, powers = Array(n).fill(1)) {
  const validators = powers.map((power, i) => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { id: `v${i + 1}`, power, privateKey, publicKey, certificateDer: Buffer.from(`cert${i}`) };
  });
  return { chainId: 'test-chain', validators, byId: new Map(validators.map((v) => [v.id, v])), totalPower: powers.reduce((a, b) => a + b) };
}
function certificate(g, signerIds, { height = 5n, round = 1, blockHash = Buffer.alloc(32, 7), tamper } = {}) {
  const bytes = voteSignBytes(g.chainId, 2, height, round, blockHash);
  return {
    height: String(height), round, block_hash: blockHash,
    signatures: signerIds.map((id) => {
      const sig = crypto.sign('sha256', tamper === id ? Buffer.concat([bytes, Buffer.from([0])]) : bytes, { key: g.byId.get(id).privateKey, dsaEncoding: 'der' });
      return { validator_id: id, signature: sig };
    }),
  };
}

test('commit certificate: quorum, short, duplicate, outsider, bad signature, wrong block', () => {
  const g = fakeSet(4);
  const at = { height: 5n, blockHash: Buffer.alloc(32, 7) };
  assert.deepEqual(verifyCommitCertificate(g, certificate(g, ['v1', 'v2', 'v3']), at).problems, []);
  assert.match(verifyCommitCertificate(g, certificate(g, ['v1', 'v2']), at).problems[0], /not more than 2\/3/);
  const dup = certificate(g, ['v1', 'v2', 'v3']);
  dup.signatures.push(dup.signatures[0]);
  assert.ok(verifyCommitCertificate(g, dup, at).problems.some((p) => /twice/.test(p)));
  const out = certificate(g, ['v1', 'v2', 'v3']);
  out.signatures.push({ validator_id: 'mallory', signature: Buffer.alloc(70) });
  assert.ok(verifyCommitCertificate(g, out, at).problems.some((p) => /not a validator in force/.test(p)));
  // One bad signature fails the whole certificate, even beside a quorum.
  assert.ok(verifyCommitCertificate(g, certificate(g, ['v1', 'v2', 'v3', 'v4'], { tamper: 'v4' }), at).problems.some((p) => /bad precommit/.test(p)));
  assert.ok(verifyCommitCertificate(g, certificate(g, ['v1', 'v2', 'v3']), { ...at, height: 6n }).problems.length > 0);
  // Weighted power: 3 of total 5 is not > 2/3; 4 is.
  const w = fakeSet(3, [1, 2, 2]);
  assert.ok(verifyCommitCertificate(w, certificate(w, ['v1', 'v2']), at).problems.length > 0);
  assert.deepEqual(verifyCommitCertificate(w, certificate(w, ['v2', 'v3']), at).problems, []);
});

test('proof parser refuses trailing bytes and unknown kinds', () => {
  const proof = h(vector('extracts.json').extracts[1].document.property.proof);
  assert.throws(() => parseProof(Buffer.concat([proof, Buffer.from([0])])), /trailing/);
  assert.throws(() => parseProof(Buffer.from([2, 0, 0])), /unknown terminal/);
  assert.deepEqual(parseProof(Buffer.from([0, 0, 0])), { depth: 0, siblings: [], leaf: null });
  // Empty tree: absence of anything against the all-zero root.
  assert.deepEqual(verifyStateProof(Buffer.alloc(32), { key: Buffer.from('k'), present: false, proof: Buffer.from([0, 0, 0]) }), []);
});

test('msgpack decoder', () => {
  assert.deepEqual(decodeMsgpack(Buffer.from('93a161cd0100c0', 'hex')), ['a', 256, null]);
  assert.deepEqual(decodeMsgpack(Buffer.from('81a16bc3', 'hex')), { k: true });
  assert.throws(() => decodeMsgpack(Buffer.from('9200', 'hex')), /truncated/);
});

test('envelope: id is SHA-256 of the body; each signature verifies over the body', () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const body = encodeBody({ chainId: 'c', expiryHeight: 100n, action: propertyImport({ cadastralNumber: '1:2', address: 'A', area: '54.30', holderBin: '050140000011' }) });
  const env = signEnvelope(body, [{ privateKey, certificateDer: Buffer.from('cert') }]);
  const { Envelope, TransactionBody } = types();
  const e = Envelope.decode(env);
  assert.deepEqual(Buffer.from(e.body), body);
  assert.equal(transactionIdOf(body), hex(sha256(body)));
  assert.ok(crypto.verify('sha256', body, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(e.signatures[0].signature)));
  const tb = toPlain(TransactionBody, TransactionBody.decode(body));
  assert.equal(tb.action, 'property_import');
  assert.equal(tb.property_import.kind, 'APARTMENT');
  assert.equal(tb.nonce.length, 16);
  assert.throws(() => propertyImport({ cadastralNumber: 'x', address: 'a', area: '54.301', holderBin: 'b' }), /fraction/);
});
