// A minimal MessagePack decoder (the spec: https://github.com/msgpack/msgpack/blob/master/spec.md),
// enough for state records (StateProof.value is "msgpack, ledger/records.py"). Refuses trailing bytes.
export function decodeMsgpack(bytes) {
  const b = Buffer.from(bytes);
  let o = 0;
  const take = (n) => { if (o + n > b.length) throw new Error('msgpack truncated'); const s = b.subarray(o, o + n); o += n; return s; };
  const str = (n) => take(n).toString('utf8');
  const arr = (n) => Array.from({ length: n }, () => any());
  const map = (n) => { const m = {}; for (let i = 0; i < n; i++) { const k = any(); m[k] = any(); } return m; };
  function any() {
    const t = take(1)[0];
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if ((t & 0xf0) === 0x80) return map(t & 0x0f);
    if ((t & 0xf0) === 0x90) return arr(t & 0x0f);
    if ((t & 0xe0) === 0xa0) return str(t & 0x1f);
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return Buffer.from(take(take(1)[0]));
      case 0xc5: return Buffer.from(take(take(2).readUInt16BE(0)));
      case 0xc6: return Buffer.from(take(take(4).readUInt32BE(0)));
      case 0xcc: return take(1)[0];
      case 0xcd: return take(2).readUInt16BE(0);
      case 0xce: return take(4).readUInt32BE(0);
      case 0xcf: { const v = take(8).readBigUInt64BE(0); return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
      case 0xd0: return take(1).readInt8(0);
      case 0xd1: return take(2).readInt16BE(0);
      case 0xd2: return take(4).readInt32BE(0);
      case 0xd3: { const v = take(8).readBigInt64BE(0); return Math.abs(Number(v)) <= Number.MAX_SAFE_INTEGER ? Number(v) : v; }
      case 0xca: return take(4).readFloatBE(0);
      case 0xcb: return take(8).readDoubleBE(0);
      case 0xd9: return str(take(1)[0]);
      case 0xda: return str(take(2).readUInt16BE(0));
      case 0xdb: return str(take(4).readUInt32BE(0));
      case 0xdc: return arr(take(2).readUInt16BE(0));
      case 0xdd: return arr(take(4).readUInt32BE(0));
      case 0xde: return map(take(2).readUInt16BE(0));
      case 0xdf: return map(take(4).readUInt32BE(0));
      default: throw new Error(`msgpack: unsupported type byte 0x${t.toString(16)}`);
    }
  }
  const v = any();
  if (o !== b.length) throw new Error('msgpack: trailing bytes');
  return v;
}
