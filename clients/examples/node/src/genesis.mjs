// genesis.json (operations.md §3): the auditor's trust anchor. We use chain_id, the validators
// {id, certificate_pem, power (default 1)} in file order, the trusted CAs and the BINs.
import fs from 'node:fs';
import crypto from 'node:crypto';
import { leafCertificateDer } from './keys.mjs';
import { sha256 } from './bytes.mjs';

export function loadGenesis(file) {
  const text = fs.readFileSync(file);
  const g = JSON.parse(text.toString('utf8'));
  if (typeof g.chain_id !== 'string' || g.chain_id === '') throw new Error('genesis: chain_id missing');
  if (!Array.isArray(g.validators) || g.validators.length === 0) throw new Error('genesis: no validators');
  const ids = new Set();
  const validators = g.validators.map((v, i) => {
    if (typeof v.id !== 'string' || !v.id) throw new Error(`genesis: validators[${i}].id`);
    if (ids.has(v.id)) throw new Error(`genesis: validator id ${v.id} twice`);
    ids.add(v.id);
    const power = v.power ?? 1;
    if (!Number.isSafeInteger(power) || power <= 0) throw new Error(`genesis: validators[${i}].power`);
    const certificateDer = leafCertificateDer(v.certificate_pem);
    const publicKey = new crypto.X509Certificate(certificateDer).publicKey;
    return { id: v.id, power, certificateDer, publicKey };
  });
  return {
    raw: g,
    sha256: sha256(text), // operations.md §3: "its SHA-256 ... identifies the chain"
    chainId: g.chain_id,
    validators,
    totalPower: validators.reduce((s, v) => s + v.power, 0),
    byId: new Map(validators.map((v) => [v.id, v])),
    ktkBin: g.ktk_bin,
    stateCorporationBin: g.state_corporation_bin,
    registrarIins: g.registrar_iins ?? [],
  };
}
