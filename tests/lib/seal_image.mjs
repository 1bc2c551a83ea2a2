// Seal pictures for the 印鑑登録 tests: a PNG encoder (RGBA, zlib from node,
// optional pHYs) and a drawn impression — a red ring with a cross, of a given
// size in millimetres at a given resolution, on white.
//
//   const png = sealPng({ mm: 15, dpi: 300 });          // a Buffer
//   const bare = sealPng({ mm: 15, dpi: 300, phys: false }); // no resolution in the file

import { deflateSync } from 'node:zlib';
import { crc32 } from './crc32.mjs';

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// rgba: a Buffer of width * height * 4 bytes. ppm: pixels per metre (0: no pHYs).
export function encodePng({ width, height, rgba, ppm = 0, extra = [] }) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (ppm) {
    const phys = Buffer.alloc(9);
    phys.writeUInt32BE(ppm, 0);
    phys.writeUInt32BE(ppm, 4);
    phys[8] = 1; // metre
    parts.push(chunk('pHYs', phys));
  }
  for (const [type, data] of extra) parts.push(chunk(type, data));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

export const ppmFromDpi = (dpi) => Math.round((dpi * 10000) / 254);

// A red ring of outer diameter `mm` with a cross inside, 2 mm of white
// around it; `seed` shifts a few pixels so that two pictures differ.
export function sealPixels({ mm = 15, dpi = 300, seed = 0 } = {}) {
  const px = (mm * dpi) / 25.4;
  const margin = Math.round((2 * dpi) / 25.4);
  const size = Math.ceil(px) + 2 * margin;
  const rgba = Buffer.alloc(size * size * 4, 255);
  const c = (size - 1) / 2;
  const r = px / 2;
  const ring = Math.max(2, px * 0.06);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - c;
      const dy = y - c;
      const d = Math.hypot(dx, dy);
      const ink = (d <= r && d >= r - ring) || (d < r - ring && (Math.abs(dx) < ring / 2 || Math.abs(dy + (seed % 7)) < ring / 2));
      if (!ink) continue;
      const i = (y * size + x) * 4;
      rgba[i] = 200;
      rgba[i + 1] = 16;
      rgba[i + 2] = 46;
    }
  }
  return { width: size, height: size, rgba };
}

export function sealPng({ mm = 15, dpi = 300, phys = true, seed = 0 } = {}) {
  const p = sealPixels({ mm, dpi, seed });
  return encodePng({ ...p, ppm: phys ? ppmFromDpi(dpi) : 0 });
}
