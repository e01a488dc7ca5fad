// State records (StateProof.value) decoded by the schema in docs/state-records.md, read from that
// document itself at run time: if the document and the bytes disagree, decoding fails here.
// protocol.md §12: a top-level record is a msgpack array [tag, field 1, ...]; a nested record is
// the array of its fields without a tag; enums as names, times as unix ms, bytes as bin.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMsgpack } from './msgpack.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_SCHEMA_FILE = process.env.TIRKEU_STATE_RECORDS_DOC
  || path.resolve(here, '..', '..', '..', '..', 'docs', 'state-records.md');

/** { RecordName: [{ name, type }] } and { EnumName: [names] } from the markdown tables. */
export function loadSchemas(file = DEFAULT_SCHEMA_FILE) {
  const records = {};
  const enums = {};
  let current = null;
  let inEnums = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('## ')) { inEnums = line.startsWith('## Enumerations'); current = null; continue; }
    const heading = line.match(/^### `(\w+)`/);
    if (heading) { current = heading[1]; records[current] = []; continue; }
    const row = line.match(/^\| (\d+) \| (\w+) \| (.+) \|$/);
    if (row && current) {
      if (Number(row[1]) !== records[current].length + 1) throw new Error(`${current}: field ${row[1]} out of order`);
      records[current].push({ name: row[2], type: row[3] });
      continue;
    }
    const enumRow = inEnums && line.match(/^\| `(\w+)` \| (`.+) \|$/);
    if (enumRow) enums[enumRow[1]] = [...enumRow[2].matchAll(/`(\w+)`/g)].map((m) => m[1]);
  }
  return { records, enums };
}

/** Python's datetime.isoformat() of a UTC time with "Z": what extract views show. */
export function isoMillis(ms) {
  const d = new Date(Number(ms));
  const base = d.toISOString().slice(0, 19);
  const frac = d.getUTCMilliseconds();
  return `${base}${frac ? `.${String(frac).padStart(3, '0')}000` : ''}Z`;
}

function decodeValue(type, value, schemas, where) {
  const optional = type.match(/^nil or (.+)$/);
  if (optional) return value === null ? null : decodeValue(optional[1], value, schemas, where);
  const array = type.match(/^array of (.+)$/);
  if (array) {
    if (!Array.isArray(value)) throw new Error(`${where}: not an array`);
    return value.map((item, i) => decodeValue(array[1], item, schemas, `${where}[${i}]`));
  }
  const nested = type.match(/^array `(\w+)`/);
  if (nested) return decodeFields(nested[1], value, schemas, where);
  const enumType = type.match(/^str, one of `(\w+)`$/);
  if (enumType) {
    if (!schemas.enums[enumType[1]]?.includes(value)) throw new Error(`${where}: ${value} is not a ${enumType[1]}`);
    return value;
  }
  const expect = (ok, what) => { if (!ok) throw new Error(`${where}: ${JSON.stringify(value)} is not ${what}`); return value; };
  if (type.startsWith('int, unix milliseconds')) { expect(Number.isInteger(value) || typeof value === 'bigint', 'an int'); return isoMillis(value); }
  if (type.startsWith('str')) return expect(typeof value === 'string', 'a str');
  if (type === 'int') return expect(Number.isInteger(value) || typeof value === 'bigint', 'an int');
  if (type === 'bool') return expect(typeof value === 'boolean', 'a bool');
  if (type === 'bin') { expect(Buffer.isBuffer(value), 'bin'); return value.toString('hex'); }
  throw new Error(`${where}: no decoder for schema type ${type}`);
}

function decodeFields(recordName, items, schemas, where) {
  const fields = schemas.records[recordName];
  if (!fields) throw new Error(`no schema for ${recordName}`);
  if (!Array.isArray(items) || items.length !== fields.length) {
    throw new Error(`${where}: ${recordName} has ${fields.length} fields, got ${Array.isArray(items) ? items.length : typeof items}`);
  }
  return Object.fromEntries(fields.map((f, i) => [f.name, decodeValue(f.type, items[i], schemas, `${where}.${f.name}`)]));
}

/** A top-level record's bytes as a plain object (field names from the schema). */
export function decodeRecord(expectedTag, bytes, schemas = loadSchemas()) {
  const value = decodeMsgpack(bytes);
  if (!Array.isArray(value) || value[0] !== expectedTag) throw new Error(`not a ${expectedTag} record`);
  return decodeFields(expectedTag, value.slice(1), schemas, expectedTag);
}
