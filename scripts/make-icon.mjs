// Draws media/icon.png (128×128): the marketplace needs a PNG icon. Run once;
// the PNG is committed. Pure Node: a tiny rasteriser and a PNG encoder.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const W = 128, H = 128;
const px = new Uint8Array(W * H * 4);
const set = (x, y, [r, g, b, a]) => { if (x < 0 || y < 0 || x >= W || y >= H) return; const i = (y * W + x) * 4; px[i] = r; px[i + 1] = g; px[i + 2] = b; px[i + 3] = a; };
const rect = (x0, y0, w, h, c, radius = 0) => {
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) {
    const dx = Math.max(x0 + radius - x, 0, x - (x0 + w - 1 - radius)), dy = Math.max(y0 + radius - y, 0, y - (y0 + h - 1 - radius));
    if (dx * dx + dy * dy <= radius * radius) set(x, y, c);
  }
};
const line = (x0, y0, x1, y1, c, t = 3) => {
  const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
  for (let i = 0; i <= n; i++) { const x = Math.round(x0 + (x1 - x0) * i / n), y = Math.round(y0 + (y1 - y0) * i / n); rect(x - (t >> 1), y - (t >> 1), t, t, c); }
};
const blue = [0x1a, 0x73, 0xe8, 255], white = [255, 255, 255, 255], green = [0x34, 0xa8, 0x53, 255];
rect(0, 0, 128, 128, blue, 24);
line(34, 44, 34, 64, white, 5); line(34, 64, 64, 64, white, 5); line(94, 44, 94, 64, white, 5); line(94, 64, 64, 64, white, 5); line(64, 64, 64, 84, white, 5);
rect(16, 22, 36, 24, white, 6); rect(76, 22, 36, 24, white, 6); rect(46, 82, 36, 24, green, 6);
const raw = Buffer.alloc((W * 4 + 1) * H);
for (let y = 0; y < H; y++) { raw[y * (W * 4 + 1)] = 0; Buffer.from(px.buffer, y * W * 4, W * 4).copy(raw, y * (W * 4 + 1) + 1); }
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (b) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => { const len = Buffer.alloc(4); len.writeUInt32BE(data.length); const td = Buffer.concat([Buffer.from(type), data]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([len, td, c]); };
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(W, 0); ihdr.writeUInt32BE(H, 4); ihdr[8] = 8; ihdr[9] = 6;
writeFileSync(new URL('../media/icon.png', import.meta.url), Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
console.log('wrote media/icon.png');
