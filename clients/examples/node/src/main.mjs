#!/usr/bin/env node
// tirkeu-node-client: node src/main.mjs --node HOST:PORT --ca CA --cert CERT --key KEY
//   [--genesis genesis.json] [--signer-cert PEM --signer-key PEM] COMMAND [ARGS]
// Commands: health | chain-info | import-property [--cadastral-number N ...] | block [HEIGHT] |
//           verify-blocks [FROM [TO]] | extract CADASTRAL | demo
import { parseArgs } from 'node:util';
import crypto from 'node:crypto';
import { LedgerClient } from './client.mjs';
import { loadGenesis } from './genesis.mjs';
import { loadSigner } from './keys.mjs';
import { encodeBody, signEnvelope, transactionIdOf, propertyImport } from './transactions.mjs';
import { verifyBlock, decodeHeader } from './verify.mjs';
import { ValidatorHistory } from './validators.mjs';
import { verifyExtract, compareWithView } from './extract.mjs';

const USAGE = `usage: node src/main.mjs --node HOST:PORT --ca CA.pem --cert CLIENT.pem --key CLIENT.key
       [--genesis genesis.json] [--signer-cert PEM --signer-key PEM] [--server-name NAME]
       [--proto-dir DIR] [--json] COMMAND
commands:
  health                      gRPC health check (grpc.health.v1)
  chain-info                  GetChainInfo
  import-property             build, sign (signer = a registrar) and submit a PropertyImport, then
                              poll GetTransaction until COMMITTED
      [--cadastral-number N] [--address A] [--kind APARTMENT|HOUSE] [--area 54.30]
      [--holder-bin BIN (default: genesis ktk_bin)] [--expires-in 1000]
  block [HEIGHT]              GetBlock (0/none = latest) and verify it against --genesis
  verify-blocks [FROM [TO]]   verify every block in the range, and the hash links
  extract CADASTRAL           GetPropertyExtract and verify it offline against --genesis
  demo                        health, chain-info, import-property, block, extract in one go
exit codes: 0 ok, 1 rejected / not found / verification failed, 2 bad input, 3 node unreachable`;

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    node: { type: 'string', default: process.env.TIRKEU_NODE },
    ca: { type: 'string', default: process.env.TIRKEU_CA },
    cert: { type: 'string', default: process.env.TIRKEU_CERT },
    key: { type: 'string', default: process.env.TIRKEU_KEY },
    genesis: { type: 'string', default: process.env.TIRKEU_GENESIS },
    'signer-cert': { type: 'string' },
    'signer-key': { type: 'string' },
    'server-name': { type: 'string' },
    'proto-dir': { type: 'string' },
    'cadastral-number': { type: 'string' },
    address: { type: 'string', default: 'Astana, Mangilik El 54, apt 45' },
    kind: { type: 'string', default: 'APARTMENT' },
    area: { type: 'string', default: '54.30' },
    'holder-bin': { type: 'string' },
    'expires-in': { type: 'string', default: '1000' },
    'poll-seconds': { type: 'string', default: '60' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

class UsageError extends Error {}
const need = (name) => { if (!opt[name]) throw new UsageError(`--${name} is required for this command`); return opt[name]; };
const hex = (b) => Buffer.from(b ?? []).toString('hex');
const out = [];
const say = (text, obj) => { if (opt.json) out.push(obj); else console.log(text); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connect() {
  if (opt['proto-dir']) process.env.TIRKEU_PROTO_DIR = opt['proto-dir'];
  return new LedgerClient({
    node: need('node'), ca: need('ca'), cert: need('cert'), key: need('key'), serverName: opt['server-name'],
    ...(opt['proto-dir'] ? { protoDir: opt['proto-dir'] } : {}),
  });
}

async function health(c) {
  const r = await c.healthCheck('');
  say(`health: ${r.status}`, { command: 'health', status: r.status });
  return r.status === 'SERVING';
}

async function chainInfo(c) {
  const i = await c.getChainInfo();
  const view = {
    chain_id: i.chain_id, height: i.height, latest_block_hash: hex(i.latest_block_hash),
    state_root: hex(i.state_root), latest_block_time: new Date(Number(i.latest_block_time_unix_ms)).toISOString(),
    node_id: i.node_id, role: i.role, validator_count: i.validator_count, pending_transactions: i.pending_transactions,
  };
  say(Object.entries(view).map(([k, v]) => `${k}: ${v}`).join('\n'), { command: 'chain-info', ...view });
  return i;
}

function randomCadastral() {
  const n = crypto.randomInt(1, 1e6);
  return `21:318:023:${String(n % 10000).padStart(4, '0')}:1/${(n >> 4) % 1000 + 1}`;
}

async function importProperty(c, genesis) {
  const signer = loadSigner(need('signer-cert'), need('signer-key'));
  const info = await c.getChainInfo();
  if (genesis && info.chain_id !== genesis.chainId) throw new Error(`node chain id ${info.chain_id} != genesis ${genesis.chainId}`);
  const holderBin = opt['holder-bin'] ?? genesis?.ktkBin;
  if (!holderBin) throw new UsageError('--holder-bin (or --genesis for its ktk_bin) is required');
  const cadastralNumber = opt['cadastral-number'] ?? randomCadastral();
  const body = encodeBody({
    chainId: info.chain_id,
    expiryHeight: BigInt(info.height) + BigInt(opt['expires-in']),
    action: propertyImport({ cadastralNumber, address: opt.address, kind: opt.kind, area: opt.area, holderBin }),
  });
  const envelope = signEnvelope(body, [signer]);
  const txId = transactionIdOf(body);
  const r = await c.submitTransaction(envelope, false);
  if (r.transaction_id && r.transaction_id !== txId) throw new Error(`node answered id ${r.transaction_id}, ours is ${txId}`);
  if (r.status === 'REJECTED') {
    say(`REJECTED ${r.rejection?.reason}: ${r.rejection?.detail}`, { command: 'import-property', transaction_id: txId, status: r.status, rejection: r.rejection });
    return { ok: false };
  }
  say(`submitted ${txId} (${r.status}); cadastral number ${cadastralNumber}`, null);
  const deadline = Date.now() + Number(opt['poll-seconds']) * 1000;
  let s;
  for (;;) {
    s = await c.getTransaction(txId);
    if (s.status === 'COMMITTED' || s.status === 'REJECTED' || Date.now() > deadline) break;
    await sleep(250);
  }
  say(`transaction ${txId}: ${s.status}${s.status === 'COMMITTED' ? ` at height ${s.height}` : ''}` +
      (s.rejection?.reason ? ` ${s.rejection.reason}: ${s.rejection.detail}` : ''),
      { command: 'import-property', transaction_id: txId, cadastral_number: cadastralNumber, status: s.status, height: s.height, kind: s.kind, rejection: s.rejection });
  if (s.status === 'COMMITTED' && s.envelope?.length && !Buffer.from(s.envelope).equals(envelope)) {
    throw new Error('GetTransaction returned an envelope different from the one submitted');
  }
  return { ok: s.status === 'COMMITTED', txId, cadastralNumber, height: s.height };
}

function reportBlock(r, label) {
  const ok = r.problems.length === 0;
  const h = r.header;
  const text = [
    `${label} height ${h?.height} hash ${hex(r.blockHash)}: ${ok ? 'VERIFIED' : 'INVALID'}`,
    h && `  time ${new Date(Number(h.time_unix_ms)).toISOString()} proposer ${h.proposer} txs ${h.transaction_count} state_root ${hex(h.state_root)}`,
    r.commit && `  commit certificate: precommits from ${r.commit.signers.join(', ')} (power ${r.commit.power})`,
    ...r.problems.map((p) => `  problem: ${p}`),
  ].filter(Boolean).join('\n');
  say(text, { command: 'block', height: h?.height, block_hash: hex(r.blockHash), verified: ok, problems: r.problems,
    commit_signers: r.commit?.signers, state_root: hex(h?.state_root) });
  return ok;
}

/**
 * The validator sets of blocks 1..below-1 followed from genesis (protocol.md §5): the set in force
 * at a height depends on every ValidatorSetChange committed before it, so we read those blocks.
 * Each change counts only with good approvals from the set in force, whatever the node says.
 */
async function historyBelow(c, genesis, below) {
  const history = new ValidatorHistory(genesis);
  const problems = [];
  for (let h = 1n; h < BigInt(below); h++) {
    const resp = await c.getBlock(h);
    problems.push(...history.followBlock(h, resp.block?.transactions).map((p) => `block ${h}: ${p}`));
  }
  return { history, problems };
}

async function block(c, genesis, height) {
  if (!genesis) throw new UsageError('--genesis is required to verify a block');
  const resp = await c.getBlock(height);
  const at = resp.block?.header?.length ? BigInt(decodeHeader(Buffer.from(resp.block.header)).header.height) : 1n;
  const { history, problems } = await historyBelow(c, genesis, at);
  const r = verifyBlock(history, resp);
  r.problems.push(...problems);
  return reportBlock(r, 'block');
}

async function verifyBlocks(c, genesis, from, to) {
  if (!genesis) throw new UsageError('--genesis is required to verify blocks');
  const tip = BigInt((await c.getChainInfo()).height);
  let prev = null;
  let prevTime = null;
  let ok = true;
  const last = to ? BigInt(to) : tip;
  const { history, problems: below } = await historyBelow(c, genesis, from ?? 1);
  if (below.length) { ok = false; below.forEach((p) => say(`  problem: ${p}`, { command: 'verify-blocks', problem: p })); }
  for (let h = BigInt(from ?? 1); h <= last; h++) {
    const resp = await c.getBlock(h);
    const r = verifyBlock(history, resp, { previousHash: prev });
    // This block's changes certify from h + 2: follow them only after judging it.
    r.problems.push(...history.followBlock(h, resp.block?.transactions));
    if (BigInt(r.header?.height ?? -1) !== h) r.problems.push(`asked for height ${h}, got ${r.header?.height}`);
    if (prevTime !== null && BigInt(r.header.time_unix_ms) <= prevTime) r.problems.push('block time does not increase');
    if (prevTime === null && h === 1n && genesis.raw.genesis_time && Number(r.header.time_unix_ms) <= Date.parse(genesis.raw.genesis_time)) {
      r.problems.push('block 1 is not later than genesis_time');
    }
    if (r.problems.length) ok = reportBlock(r, 'block') && ok;
    prev = r.blockHash;
    prevTime = BigInt(r.header.time_unix_ms);
  }
  say(`blocks ${from ?? 1}..${last}: ${ok ? 'all verified' : 'DEFECTS FOUND'}`, { command: 'verify-blocks', from: String(from ?? 1), to: String(last), verified: ok });
  return ok;
}

async function extract(c, genesis, cadastral) {
  if (!genesis) throw new UsageError('--genesis is required to verify an extract');
  if (!cadastral) throw new UsageError('extract needs a cadastral number');
  const x = await c.getPropertyExtract(cadastral);
  const r = verifyExtract(genesis, x, cadastral);
  if (r.property?.present && r.property.record) {
    // Cross-check the node's human view (GetProperty) against the proven record.
    r.problems.push(...compareWithView(r.property.record, await c.getProperty(cadastral)));
  }
  const lines = [
    `extract ${cadastral} at height ${x.height}: ${r.problems.length ? 'INVALID' : 'VERIFIED'}`,
    `  header hash ${hex(r.blockHash)} state_root ${hex(r.header?.state_root)}`,
    r.changes?.length && `  validator set followed from genesis through ${r.changes.length} change(s): ${r.changes.map((ch) => `${ch.kind} ${ch.validatorId} at ${ch.height}`).join(', ')}`,
    r.commit && `  certified by ${r.commit.signers.join(', ')} (power ${r.commit.power}/${r.set?.totalPower})`,
    `  property record: ${r.property?.present ? 'present' : 'absent'}, proof ${r.property?.verified ? 'valid' : 'INVALID'}`,
    r.property?.record && `    ${JSON.stringify(r.property.record, (k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v))}`,
    `  active encumbrance: ${r.encumbrance?.present ? 'present' : 'absent'}, proof ${r.encumbrance?.verified ? 'valid' : 'INVALID'}`,
    ...r.problems.map((p) => `  problem: ${p}`),
  ].filter(Boolean).join('\n');
  say(lines, { command: 'extract', cadastral_number: cadastral, height: x.height, verified: r.problems.length === 0, problems: r.problems,
    property_present: r.property?.present, active_encumbrance_present: r.encumbrance?.present });
  return r.problems.length === 0;
}

async function main() {
  if (opt.help || positionals.length === 0) { console.log(USAGE); return opt.help ? 0 : 2; }
  const [command, ...args] = positionals;
  const genesis = opt.genesis ? loadGenesis(opt.genesis) : null;
  const c = connect();
  try {
    switch (command) {
      case 'health': return (await health(c)) ? 0 : 1;
      case 'chain-info': await chainInfo(c); return 0;
      case 'import-property': return (await importProperty(c, genesis)).ok ? 0 : 1;
      case 'block': return (await block(c, genesis, args[0] ?? 0)) ? 0 : 1;
      case 'verify-blocks': return (await verifyBlocks(c, genesis, args[0], args[1])) ? 0 : 1;
      case 'extract': return (await extract(c, genesis, args[0])) ? 0 : 1;
      case 'demo': {
        let ok = await health(c);
        await chainInfo(c);
        const imp = await importProperty(c, genesis);
        ok &&= imp.ok;
        if (imp.ok) {
          ok = (await block(c, genesis, imp.height)) && ok;
          ok = (await extract(c, genesis, imp.cadastralNumber)) && ok;
        }
        return ok ? 0 : 1;
      }
      default: throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    c.close();
  }
}

main().then(
  (code) => { if (opt.json) console.log(JSON.stringify(out.filter(Boolean).length === 1 ? out.filter(Boolean)[0] : out.filter(Boolean), null, 2)); process.exitCode = code; },
  (err) => {
    if (err instanceof UsageError) { console.error(`error: ${err.message}\n\n${USAGE}`); process.exitCode = 2; return; }
    console.error(`error: ${err.message}`);
    // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED: the node cannot be reached; NOT_FOUND/PERMISSION_DENIED: 1.
    process.exitCode = err.code === 14 || err.code === 4 ? 3 : (typeof err.code === 'number' ? 1 : 2);
  },
);
