// Verifying a PropertyExtract offline against the genesis file (docs/protocol.md §13): the
// validator-set changes it carries, followed from genesis (§5), the header's commit certificate
// by the set they put in force, the two state proofs against the header's state root (§11), and
// the records decoded by their documented schema (§12, docs/state-records.md).
import { sha256, validatorSetHash } from './bytes.mjs';
import { decodeHeader, verifyCommitCertificate, verifyBlock } from './verify.mjs';
import { verifyStateProof } from './smt.mjs';
import { decodeRecord } from './records.mjs';
import { types, toPlain } from './proto.mjs';
import { ValidatorHistory } from './validators.mjs';

/** An extract.json document (hex strings, docs/extract.schema.json) in GetPropertyExtract's shape. */
export function extractFromDocument(doc) {
  if (doc.format !== 'tirkeu-property-extract/1') throw new Error(`unknown extract format ${doc.format}`);
  const { CommitCertificate } = types();
  const h = (s) => Buffer.from(s, 'hex');
  const record = (r) => ({ key: h(r.key), present: r.present, value: h(r.value), proof: h(r.proof) });
  return {
    cadastral_number: doc.cadastral_number,
    height: String(doc.height),
    header: h(doc.header),
    commit: toPlain(CommitCertificate, CommitCertificate.decode(h(doc.commit))),
    property: record(doc.property),
    active_encumbrance: record(doc.active_encumbrance),
    // Absent under the genesis set (docs/extract.schema.json).
    validator_changes: (doc.validator_changes ?? []).map((c) => ({ height: String(c.height), change: h(c.change) })),
  };
}

/**
 * The set that must certify the extract's header: genesis's, then each carried change in order
 * (committed up to the extract's height, heights not decreasing; one committed at that height
 * takes effect only at height + 2), each approved by more than 2/3
 * of the set in force where it was committed (protocol.md §5, §13 step 2).
 */
export function setInForce(genesis, x) {
  const history = new ValidatorHistory(genesis);
  let previous = 0n;
  (x.validator_changes ?? []).forEach((c, index) => {
    const height = BigInt(c.height);
    if (height < previous || height > BigInt(x.height)) throw new Error(`validator_changes[${index}].height ${height} is out of order`);
    previous = height;
    try { history.followChange(height, Buffer.from(c.change)); } catch (e) {
      throw new Error(`validator_changes[${index}]: ${e.message}`);
    }
  });
  return { set: history.setAt(x.height), changes: history.changes };
}

export function verifyExtract(genesis, x, cadastralNumber) {
  const problems = [];
  const headerBytes = Buffer.from(x.header ?? []);
  if (headerBytes.length === 0) return { problems: ['extract carries no header'] };
  const blockHash = sha256(headerBytes);
  const { header, canonical } = decodeHeader(headerBytes);
  if (!canonical) problems.push('header is not canonically encoded');
  if (header.chain_id !== genesis.chainId) problems.push(`chain id ${header.chain_id} != genesis ${genesis.chainId}`);
  if (String(header.height) !== String(x.height)) problems.push(`header height ${header.height} != extract height ${x.height}`);
  let inForce;
  try { inForce = setInForce(genesis, x); } catch (e) {
    return { problems: [...problems, e.message], header, blockHash };
  }
  const { set, changes } = inForce;
  if (!Buffer.from(header.validator_set_hash).equals(validatorSetHash(set.validators))) {
    problems.push('header names another validator set than genesis and the carried changes put in force');
  }
  if (!set.byId.has(header.proposer)) problems.push(`proposer ${header.proposer} is not a validator`);
  if (x.cadastral_number !== cadastralNumber) problems.push(`extract is for ${x.cadastral_number}, asked ${cadastralNumber}`);
  const commit = verifyCommitCertificate(set, x.commit, { height: header.height, blockHash });
  problems.push(...commit.problems.map((p) => `commit: ${p}`));

  const root = header.state_root;
  const check = (proof, expectedKey, tag, label) => {
    if (!proof) { problems.push(`${label}: no proof`); return null; }
    const key = Buffer.from(proof.key).toString('utf8');
    if (key !== expectedKey) problems.push(`${label}: key ${key}, expected ${expectedKey}`);
    const ps = verifyStateProof(root, proof);
    problems.push(...ps.map((p) => `${label}: ${p}`));
    let record = null;
    if (proof.present) {
      try { record = decodeRecord(tag, proof.value); } catch (e) { problems.push(`${label}: record: ${e.message}`); }
    } else if (proof.value?.length) problems.push(`${label}: absent but carries a value`);
    return { present: proof.present, verified: ps.length === 0, record };
  };
  const property = check(x.property, `property/${cadastralNumber}`, 'Property', 'property');
  const encumbrance = check(x.active_encumbrance, `active-encumbrance/${cadastralNumber}`, 'Encumbrance', 'active_encumbrance');
  if (property?.record && property.record.cadastral_number !== cadastralNumber) {
    problems.push('property record names another cadastral number');
  }
  // The property's one ACTIVE lease is exactly the active-encumbrance record (protocol.md §13).
  const active = property?.record?.encumbrances.filter((e) => e.status === 'ACTIVE') ?? [];
  if (JSON.stringify(active[0] ?? null) !== JSON.stringify(encumbrance?.record ?? null) || active.length > 1) {
    problems.push('the property\'s active lease and the active-encumbrance record differ');
  }
  return { problems, header, blockHash, commit, property, encumbrance, set, changes };
}

/**
 * Compare the proven record with the node's PropertyView (GetProperty): the part a person reads
 * must be what is proved.
 */
export function compareWithView(record, view) {
  const problems = [];
  if (!record) return ['no proven record'];
  const pairs = [
    ['cadastral_number', record.cadastral_number, view.cadastral_number],
    ['address', record.address, view.address],
    ['kind', record.kind, view.kind],
    ['area_square_metres', record.area_square_metres, view.area_square_metres],
    ['holder.identifier_kind', record.holder.identifier_kind, view.holder?.identifier_kind],
    ['holder.identifier', record.holder.identifier, view.holder?.identifier],
    ['imported_height', String(record.imported_height), String(view.imported_height)],
    ['encumbrances (count)', record.encumbrances.length, view.encumbrances?.length],
    ['registration_sheet (count)', record.registration_sheet.length, view.registration_sheet?.length],
  ];
  for (const [name, proven, shown] of pairs) {
    if (proven !== shown) problems.push(`view mismatch: ${name}: proven ${proven}, node shows ${shown}`);
  }
  return problems;
}

export { verifyBlock };
