// Against a running node: set TIRKEU_NODE, TIRKEU_CA, TIRKEU_CERT, TIRKEU_KEY (a registrar's
// client certificate), TIRKEU_GENESIS, TIRKEU_SIGNER_CERT, TIRKEU_SIGNER_KEY. Skipped otherwise.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LedgerClient, isGrpcCode } from '../src/client.mjs';
import { statusDetails } from '../src/errors.mjs';
import { loadGenesis } from '../src/genesis.mjs';
import { loadSigner } from '../src/keys.mjs';
import { encodeBody, signEnvelope, transactionIdOf, propertyImport } from '../src/transactions.mjs';
import { verifyBlock } from '../src/verify.mjs';
import { verifyExtract, compareWithView } from '../src/extract.mjs';

const env = process.env;
const skip = ['TIRKEU_NODE', 'TIRKEU_CA', 'TIRKEU_CERT', 'TIRKEU_KEY', 'TIRKEU_GENESIS', 'TIRKEU_SIGNER_CERT', 'TIRKEU_SIGNER_KEY']
  .filter((k) => !env[k]);
const opts = skip.length ? { skip: `set ${skip.join(', ')}` } : {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('end to end against a live node', opts, async (t) => {
  const c = new LedgerClient({ node: env.TIRKEU_NODE, ca: env.TIRKEU_CA, cert: env.TIRKEU_CERT, key: env.TIRKEU_KEY });
  t.after(() => c.close());
  const genesis = loadGenesis(env.TIRKEU_GENESIS);
  const signer = loadSigner(env.TIRKEU_SIGNER_CERT, env.TIRKEU_SIGNER_KEY);

  assert.equal((await c.healthCheck()).status, 'SERVING');
  const info = await c.getChainInfo();
  assert.equal(info.chain_id, genesis.chainId);

  // Several imports at once, so that a block is likely to carry more than one transaction.
  const stamp = Date.now() % 100000;
  const subs = [];
  for (let i = 0; i < 5; i++) {
    const cadastral = `21:318:${String(stamp % 1000).padStart(3, "0")}:${String(1000 + (stamp % 9000)).padStart(4, "0")}:1/${i + 1}`;
    const body = encodeBody({ chainId: info.chain_id, expiryHeight: BigInt(info.height) + 100n,
      action: propertyImport({ cadastralNumber: cadastral, address: `Test ${i}`, area: '40', holderBin: genesis.ktkBin }) });
    subs.push({ cadastral, id: transactionIdOf(body), envelope: signEnvelope(body, [signer]) });
  }
  const answers = await Promise.all(subs.map((s) => c.submitTransaction(s.envelope)));
  for (const [i, a] of answers.entries()) {
    assert.notEqual(a.status, 'REJECTED', JSON.stringify(a.rejection));
    assert.equal(a.transaction_id, subs[i].id);
  }
  const heights = new Set();
  for (const s of subs) {
    let st;
    for (let k = 0; k < 120; k++) {
      st = await c.getTransaction(s.id);
      if (st.status === 'COMMITTED') break;
      await sleep(250);
    }
    assert.equal(st.status, 'COMMITTED');
    assert.equal(st.kind, 'property_import');
    heights.add(st.height);
  }
  for (const h of heights) {
    const r = verifyBlock(genesis, await c.getBlock(h));
    assert.deepEqual(r.problems, [], `block ${h}`);
  }
  // Resubmitting the same envelope is idempotent (ADR 0016, protocol.md): the answer is the
  // transaction's real state, COMMITTED at the height it was committed, never a second commit.
  const first = await c.getTransaction(subs[0].id);
  const again = await c.submitTransaction(subs[0].envelope);
  t.diagnostic(`resubmission answered ${JSON.stringify(again)}`);
  assert.equal(again.status, 'COMMITTED');
  assert.equal(again.transaction_id, subs[0].id);
  assert.equal(String(again.height), String(first.height));

  // Refused at submission (another chain): GetTransaction remembers it (api.proto).
  const foreign = encodeBody({ chainId: `${info.chain_id}-other`, expiryHeight: BigInt(info.height) + 100n,
    action: propertyImport({ cadastralNumber: '21:318:023:1:1/1', address: 'Elsewhere', area: '40', holderBin: genesis.ktkBin }) });
  const refused = await c.submitTransaction(signEnvelope(foreign, [signer]));
  assert.equal(refused.rejection.reason_code, 'REJECTION_REASON_WRONG_CHAIN_ID');
  const remembered = await c.getTransaction(transactionIdOf(foreign));
  assert.equal(remembered.status, 'REJECTED');
  assert.equal(remembered.rejection.reason, 'WRONG_CHAIN_ID');

  // A failing call carries google.rpc.Status details with a stable reason.
  const missing = await c.getProperty('99:999:999:9999:9/99').then(() => null, (e) => e);
  assert.ok(isGrpcCode(missing, 'NOT_FOUND'));
  assert.equal(missing.reason, 'PROPERTY_NOT_FOUND');
  assert.equal(statusDetails(missing).errorInfo.domain, 'tirkeu.kz');

  for (const s of subs.slice(0, 2)) {
    const x = await c.getPropertyExtract(s.cadastral);
    const r = verifyExtract(genesis, x, s.cadastral);
    assert.deepEqual(r.problems, []);
    assert.equal(r.property.present, true);
    assert.deepEqual(compareWithView(r.property.record, await c.getProperty(s.cadastral)), []);
  }
  t.diagnostic(`blocks used: ${[...heights].join(', ')}`);

  // The command line follows the set in force from block 1 (src/validators.mjs) for both block
  // commands; exit code 0 = verified (it throws otherwise, printing the problems).
  const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.mjs');
  const top = String(Math.max(...[...heights].map(Number)));
  for (const args of [['block', top], ['verify-blocks', '1', top]]) {
    const output = execFileSync(process.execPath, [main, ...args], { env, encoding: 'utf8' });
    assert.match(output, /VERIFIED|all verified/, output);
  }
});
