// A chain whose validator set changes three times (test/fixtures/set-changes.json, made by
// scripts/gen_set_change_fixture.py): validator-4's key rotated at height 1 (in force at 3),
// validator-5 added at 3 (in force at 5), validator-1 removed at 5 (in force at 7). The client
// must follow the set in force (protocol.md §5) from the genesis file alone.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyBlock } from '../src/verify.mjs';
import { verifyExtract, extractFromDocument } from '../src/extract.mjs';
import { loadGenesis } from '../src/genesis.mjs';
import { ValidatorHistory } from '../src/validators.mjs';
import { types } from '../src/proto.mjs';
import { getBlockResponse } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(fs.readFileSync(path.join(here, 'fixtures', 'set-changes.json'), 'utf8'));
const genesisFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tirkeu-node-')), 'genesis.json');
fs.writeFileSync(genesisFile, JSON.stringify(fixture.genesis));
const genesis = loadGenesis(genesisFile);
const copy = (x) => JSON.parse(JSON.stringify(x));

test('every block verifies by the set in force at its height, followed from genesis', () => {
  const history = new ValidatorHistory(genesis);
  let previousHash = Buffer.alloc(32);
  for (const b of fixture.blocks) {
    const response = getBlockResponse(b);
    const r = verifyBlock(history, response, { previousHash });
    assert.deepEqual(r.problems, [], `block ${b.height}`);
    assert.deepEqual(history.followBlock(BigInt(b.height), response.block.transactions), [], `block ${b.height}`);
    previousHash = r.blockHash;
  }
  assert.deepEqual(history.changes.map((c) => [Number(c.height), c.kind, c.validatorId]), [
    [1, 'ROTATE_VALIDATOR_KEY', 'validator-4'], [3, 'ADD_VALIDATOR', 'validator-5'], [5, 'REMOVE_VALIDATOR', 'validator-1'],
  ]);
  assert.deepEqual(history.setAt(7n).validators.map((v) => v.id), ['validator-2', 'validator-3', 'validator-4', 'validator-5']);
  // The genesis set alone is right only before the first change takes effect.
  assert.deepEqual(verifyBlock(genesis, getBlockResponse(fixture.blocks[1])).problems, []);
  assert.ok(verifyBlock(genesis, getBlockResponse(fixture.blocks[7])).problems.some((p) => /validator_set_hash/.test(p)));
});

test('a change whose approval is forged is not followed', () => {
  const { Block, Envelope, TransactionBody } = types();
  const block = Block.decode(Buffer.from(fixture.blocks[2].block_hex, 'hex')); // height 3: ADD validator-5
  const envelope = Envelope.decode(block.transactions[0]);
  const body = TransactionBody.decode(envelope.body);
  const signature = body.validator_set_change.approvals[0].signature;
  signature[signature.length - 1] ^= 1;
  envelope.body = TransactionBody.encode(body).finish();
  const history = new ValidatorHistory(genesis);
  history.followBlock(1n, getBlockResponse(fixture.blocks[0]).block.transactions);
  const problems = history.followBlock(3n, [Envelope.encode(envelope).finish()]);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /approval of validator-1 does not verify/);
  assert.ok(!history.setAt(100n).byId.has('validator-5'));
});

test('an extract made after three changes verifies; forged or missing changes fail', () => {
  const document = fixture.extract;
  assert.deepEqual(document.validator_changes.map((c) => c.height), [1, 3, 5]);
  const good = verifyExtract(genesis, extractFromDocument(document), document.cadastral_number);
  assert.deepEqual(good.problems, []);
  assert.deepEqual(good.set.validators.map((v) => v.id), ['validator-2', 'validator-3', 'validator-4', 'validator-5']);
  assert.equal(good.changes.length, 3);

  const { validator_changes: _dropped, ...withoutChanges } = document;
  const missing = verifyExtract(genesis, extractFromDocument(withoutChanges), document.cadastral_number);
  assert.ok(missing.problems.some((p) => /another validator set/.test(p)), missing.problems.join('; '));

  const forged = copy(document);
  const last = forged.validator_changes[1].change;
  forged.validator_changes[1].change = last.slice(0, -2) + (last.endsWith('00') ? '01' : '00');
  const refused = verifyExtract(genesis, extractFromDocument(forged), document.cadastral_number);
  assert.ok(refused.problems.some((p) => /validator_changes\[1\]/.test(p)), refused.problems.join('; '));

  const late = copy(document);
  late.validator_changes[2].height = document.height + 1;
  const outOfOrder = verifyExtract(genesis, extractFromDocument(late), document.cadastral_number);
  assert.ok(outOfOrder.problems.some((p) => /out of order/.test(p)));
});
