// The validator set in force at each height (protocol.md §5 "The set in force"): the genesis
// file's, then each committed ValidatorSetChange in turn, each approved by validators holding more
// than 2/3 of the power of the set in force at its committing height H, certifying from H + 2.
// Like a light client we trust only the genesis file: a change whose approvals do not hold
// changes nothing (a node cannot smuggle a key in), so later blocks it certified are INVALID.
import crypto from 'node:crypto';
import { types, toPlain } from './proto.mjs';
import { verifyP256 } from './keys.mjs';
import { sha256 } from './bytes.mjs';

export const EFFECTIVE_DISTANCE = 2n; // committed at H, in force from H + 2
const APPROVAL_DOMAIN_TAG = 'tirkeu/validator-set-change/v1';
const KINDS = { ADD_VALIDATOR: 1, REMOVE_VALIDATOR: 2, REWEIGHT_VALIDATOR: 3, ROTATE_VALIDATOR_KEY: 4 };
const MAX_POWER = 2n ** 63n - 1n;

/** A set as the verifiers use it (the genesis object has the same shape). */
export function certifyingSet(chainId, validators) {
  return {
    chainId,
    validators,
    totalPower: validators.reduce((s, v) => s + v.power, 0),
    byId: new Map(validators.map((v) => [v.id, v])),
  };
}

/** protocol.md §5: the bytes each approver signs with its node (vote) key. */
export function approvalSignBytes(chainId, change) {
  const chain = Buffer.from(chainId, 'utf8');
  const id = Buffer.from(change.validatorId, 'utf8');
  const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
  const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
  return Buffer.concat([
    Buffer.from(APPROVAL_DOMAIN_TAG, 'ascii'),
    u16(chain.length), chain,
    u64(change.sequence), Buffer.from([change.kind]),
    u16(id.length), id,
    change.certificateDer.length ? sha256(change.certificateDer) : Buffer.alloc(32),
    u64(change.power),
  ]);
}

/** A ValidatorSetChange (bytes or a plain message) as {change, approvals}; throws when malformed. */
export function parseChange(bytesOrPlain) {
  const { ValidatorSetChange } = types();
  const m = Buffer.isBuffer(bytesOrPlain) || bytesOrPlain instanceof Uint8Array
    ? toPlain(ValidatorSetChange, ValidatorSetChange.decode(bytesOrPlain))
    : bytesOrPlain;
  const kind = typeof m.kind === 'number' ? m.kind : KINDS[m.kind];
  if (!Object.values(KINDS).includes(kind)) throw new Error(`unknown change kind ${m.kind}`);
  const idLength = Buffer.byteLength(m.validator_id ?? '', 'utf8');
  if (idLength < 1 || idLength > 128) throw new Error('a validator id is 1..128 bytes');
  const certificateDer = Buffer.from(m.certificate ?? []);
  const power = BigInt(m.power ?? 0);
  const wantsCertificate = kind === KINDS.ADD_VALIDATOR || kind === KINDS.ROTATE_VALIDATOR_KEY;
  const wantsPower = kind === KINDS.ADD_VALIDATOR || kind === KINDS.REWEIGHT_VALIDATOR;
  if (wantsCertificate !== certificateDer.length > 0) throw new Error('the kind and the certificate disagree');
  if (wantsPower !== power > 0n || power > MAX_POWER) throw new Error(`the kind and power ${power} disagree`);
  const change = { kind, validatorId: m.validator_id, certificateDer, power, sequence: BigInt(m.sequence ?? 0) };
  const approvals = (m.approvals ?? []).map((a) => ({ validatorId: a.validator_id, signature: Buffer.from(a.signature ?? []) }));
  return { change, approvals };
}

function changedSet(validators, change) {
  const present = validators.some((v) => v.id === change.validatorId);
  if (present === (change.kind === KINDS.ADD_VALIDATOR)) {
    throw new Error(`${change.validatorId} is ${present ? 'already' : 'not'} in the set`);
  }
  if (change.certificateDer.length && validators.some((v) => v.certificateDer.equals(change.certificateDer))) {
    throw new Error('the certificate is already a validator\'s');
  }
  // Read the key now: a certificate that does not parse cannot certify anything.
  const keyed = () => new crypto.X509Certificate(change.certificateDer).publicKey;
  const power = Number(change.power);
  if (change.power > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('power beyond this client\'s integers');
  let result;
  if (change.kind === KINDS.ADD_VALIDATOR) {
    // An added validator goes last in the set order (and so in the proposer order).
    result = [...validators, { id: change.validatorId, power, certificateDer: change.certificateDer, publicKey: keyed() }];
  } else if (change.kind === KINDS.REMOVE_VALIDATOR) {
    result = validators.filter((v) => v.id !== change.validatorId);
  } else if (change.kind === KINDS.REWEIGHT_VALIDATOR) {
    result = validators.map((v) => (v.id === change.validatorId ? { ...v, power } : v));
  } else {
    result = validators.map((v) => (v.id === change.validatorId
      ? { ...v, certificateDer: change.certificateDer, publicKey: keyed() } : v));
  }
  if (result.length === 0) throw new Error('the last validator cannot leave');
  return result;
}

export class ValidatorHistory {
  constructor(genesis) {
    this.chainId = genesis.chainId;
    this.sets = [{ fromHeight: 1n, set: certifyingSet(genesis.chainId, genesis.validators) }];
    this.changes = []; // {height, sequence, kind, validatorId} followed, in order
  }

  /** The set that certifies block `height`. */
  setAt(height) {
    let found = this.sets[0].set;
    for (const { fromHeight, set } of this.sets) if (fromHeight <= BigInt(height)) found = set;
    return found;
  }

  /** Take in one change committed at `height`; throws (and changes nothing) unless it holds. */
  followChange(height, bytesOrPlain) {
    const h = BigInt(height);
    const { change, approvals } = parseChange(bytesOrPlain);
    if (change.sequence !== BigInt(this.changes.length)) {
      throw new Error(`sequence ${change.sequence}, the next is ${this.changes.length}`);
    }
    if (this.sets[this.sets.length - 1].fromHeight > h) throw new Error('a previous change has not taken effect yet');
    const inForce = this.setAt(h);
    const signed = approvalSignBytes(this.chainId, change);
    const seen = new Set();
    let power = 0;
    for (const a of approvals) {
      const v = inForce.byId.get(a.validatorId);
      if (!v || seen.has(a.validatorId)) throw new Error(`approval of ${a.validatorId}: not in force or twice`);
      seen.add(a.validatorId);
      if (!verifyP256(v.publicKey, signed, a.signature)) throw new Error(`approval of ${a.validatorId} does not verify`);
      power += v.power;
    }
    if (3 * power <= 2 * inForce.totalPower) {
      throw new Error(`approvers hold ${power} of ${inForce.totalPower} power, not more than 2/3`);
    }
    const next = changedSet(inForce.validators, change);
    this.sets.push({ fromHeight: h + EFFECTIVE_DISTANCE, set: certifyingSet(this.chainId, next) });
    const kind = Object.keys(KINDS).find((k) => KINDS[k] === change.kind);
    this.changes.push({ height: h, sequence: change.sequence, kind, validatorId: change.validatorId });
  }

  /** Follow the ValidatorSetChange transactions of block `height`; problems for those that fail. */
  followBlock(height, transactions) {
    const problems = [];
    (transactions ?? []).forEach((envelope, index) => {
      const change = setChangeOf(envelope);
      if (!change) return;
      try { this.followChange(height, change); } catch (e) {
        problems.push(`transactions[${index}].validator_set_change not followed: ${e.message}`);
      }
    });
    return problems;
  }
}

function setChangeOf(envelope) {
  const { Envelope, TransactionBody } = types();
  try {
    const body = toPlain(TransactionBody, TransactionBody.decode(Envelope.decode(Buffer.from(envelope)).body));
    return body.action === 'validator_set_change' ? body.validator_set_change : null;
  } catch {
    return null; // not a transaction: the block's own checks say so
  }
}
