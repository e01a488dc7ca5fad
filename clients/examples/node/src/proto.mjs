// Loading the Tirkeu contract (.proto files) twice: with @grpc/proto-loader for the gRPC stubs and
// with protobufjs for the messages that travel as opaque bytes (TransactionBody, Envelope,
// BlockHeader, CommitCertificate), which we must encode and decode ourselves.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import protoLoader from '@grpc/proto-loader';
import grpc from '@grpc/grpc-js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const EXTRA_PROTO_DIR = path.resolve(here, '..', 'proto-extra');
// The contract of this repository: clients/examples/node -> proto/ (the parent of tirkeu_pb/).
export const DEFAULT_PROTO_DIR = process.env.TIRKEU_PROTO_DIR || path.resolve(here, '..', '..', '..', '..', 'proto');
const FILES = ['tirkeu_pb/transaction.proto', 'tirkeu_pb/block.proto', 'tirkeu_pb/rejection.proto', 'tirkeu_pb/api.proto'];

let cachedRoot = null;
let cachedRootDir = null;

/** A protobufjs Root holding package tirkeu.v1 (import paths are relative to protoDir). */
export function loadRoot(protoDir = DEFAULT_PROTO_DIR) {
  if (cachedRoot && cachedRootDir === protoDir) return cachedRoot;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(protoDir, target);
  root.loadSync(FILES, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  cachedRootDir = protoDir;
  return root;
}

export function types(protoDir = DEFAULT_PROTO_DIR) {
  const root = loadRoot(protoDir);
  const t = (name) => root.lookupType(`tirkeu.v1.${name}`);
  return {
    root,
    Envelope: t('Envelope'),
    TransactionBody: t('TransactionBody'),
    PropertyImport: t('PropertyImport'),
    BlockHeader: t('BlockHeader'),
    Block: t('Block'),
    CommitCertificate: t('CommitCertificate'),
    ValidatorSetChange: t('ValidatorSetChange'),
    PropertyKind: root.lookupEnum('tirkeu.v1.PropertyKind'),
    RejectionReason: root.lookupEnum('tirkeu.v1.RejectionReason'),
  };
}

/** gRPC service constructors: tirkeu.v1.Ledger and grpc.health.v1.Health. */
export function grpcServices(protoDir = DEFAULT_PROTO_DIR) {
  const def = protoLoader.loadSync(['tirkeu_pb/api.proto', 'grpc/health/v1/health.proto'], {
    includeDirs: [protoDir, EXTRA_PROTO_DIR],
    keepCase: true,
    longs: String, // uint64 heights as decimal strings: never lose precision
    enums: String,
    bytes: Buffer,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def);
  return { Ledger: pkg.tirkeu.v1.Ledger, Health: pkg.grpc.health.v1.Health };
}

/** Decode a message carried as bytes, refusing trailing garbage by re-encoding check if asked. */
export function decode(type, bytes) {
  return type.decode(bytes);
}

/** protobufjs object -> plain JS (longs as strings, bytes as Buffer, enums as names). */
export function toPlain(type, msg) {
  return type.toObject(msg, { longs: String, enums: String, bytes: Buffer, defaults: true, oneofs: true });
}

/**
 * Canonical encoding (docs/protocol.md §3): fields in field-number order, proto3 implicit-presence
 * defaults (0, "", empty bytes, false, empty repeated) omitted, a set sub-message or oneof member
 * written, no unknown fields. protobufjs encodes in declaration order and the .proto files declare
 * fields in number order; but protobufjs would write a default value that is present on the
 * object, so we strip them first.
 */
export function canonicalEncode(type, plain) {
  const msg = type.fromObject(stripDefaults(type, plain));
  const err = type.verify(msg);
  if (err) throw new Error(`${type.name}: ${err}`);
  return Buffer.from(type.encode(msg).finish());
}

function isDefault(field, v) {
  if (v === null || v === undefined) return true;
  if (field.repeated) return v.length === 0;
  if (field.resolvedType instanceof protobuf.Type) return false; // a set sub-message is present
  if (field.resolvedType instanceof protobuf.Enum) return v === 0 || v === field.resolvedType.valuesById[0];
  switch (field.type) {
    case 'string': return v === '';
    case 'bytes': return v.length === 0;
    case 'bool': return v === false;
    default: return BigInt(typeof v === 'object' && 'low' in v ? protobuf.util.Long.fromValue(v).toString() : v) === 0n;
  }
}

function stripDefaults(type, plain) {
  const out = {};
  for (const field of type.fieldsArray) {
    const v = plain[field.name];
    if (!field.partOf && isDefault(field, v)) continue;
    if (v === null || v === undefined) continue;
    if (field.resolvedType instanceof protobuf.Type) {
      out[field.name] = field.repeated ? v.map((x) => stripDefaults(field.resolvedType, x)) : stripDefaults(field.resolvedType, v);
    } else out[field.name] = v;
  }
  return out;
}
