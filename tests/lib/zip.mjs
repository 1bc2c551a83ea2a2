// Zip files for tests, written and read by hand (node:zlib deflates), so
// that a test can also make the archives no zip tool would: entries named
// "../x", sizes that lie, bombs.
//
//   makeZip([{ name, data, store, declaredSize }]) → Buffer
//   readZip(buffer) → [{ name, data }] (stored and deflated entries)

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.mjs';

const u16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };

export function makeZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '', 'utf8');
    const body = e.store ? data : deflateRawSync(data);
    const method = e.store ? 0 : 8;
    const size = e.declaredSize ?? data.length;
    const crc = crc32(data);
    // Version 20, flag 0x0800 (UTF-8 names), a fixed DOS time.
    const head = [u16(20), u16(0x0800), u16(method), u16(0), u16(0x5821), u32(crc), u32(body.length), u32(size)];
    const local = Buffer.concat([u32(0x04034b50), ...head, u16(name.length), u16(0), name, body]);
    const central = Buffer.concat([u32(0x02014b50), u16(0x0314), ...head, u16(name.length), u16(0), u16(0),
      u16(0), u16(0), u32(0o100600 << 16), u32(offset), name]);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length),
    u32(cd.length), u32(offset), u16(0)]);
  return Buffer.concat([...locals, cd, end]);
}

export function readZip(buf) {
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    const lname = buf.readUInt16LE(local + 26);
    const lextra = buf.readUInt16LE(local + 28);
    const raw = buf.subarray(local + 30 + lname + lextra, local + 30 + lname + lextra + csize);
    const data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw);
    out.push({ name, data, method });
    p += 46 + nlen + xlen + clen;
  }
  return out;
}
