/**
 * A small pcapng reader for the tests: walks the blocks of a little-endian section and checks the
 * framing rules every reader relies on (lengths agree, 32-bit padding), so the writer's blocks are
 * checked independently of tshark.
 */
export interface ReadBlock {
  readonly type: number;
  readonly body: Uint8Array;
  readonly options: readonly { readonly code: number; readonly value: Uint8Array }[];
}

/** Fixed body length before the options, per block type (EPB: plus the padded packet). */
function fixedLength(type: number, body: DataView): number {
  if (type === 0x0a0d0d0a) return 16;
  if (type === 1) return 8;
  if (type === 6) return 20 + ((body.getUint32(12, true) + 3) & ~3);
  throw new Error(`unexpected block type ${type}`);
}

export function readPcapng(bytes: Uint8Array): ReadBlock[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: ReadBlock[] = [];
  let at = 0;
  while (at < bytes.length) {
    const type = view.getUint32(at, true);
    const total = view.getUint32(at + 4, true);
    if (total % 4 !== 0 || total < 12 || at + total > bytes.length)
      throw new Error(`bad block length ${total}`);
    if (view.getUint32(at + total - 4, true) !== total) throw new Error('trailer length differs');
    const body = bytes.subarray(at + 8, at + total - 4);
    const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const options: { code: number; value: Uint8Array }[] = [];
    let o = fixedLength(type, bodyView);
    while (o < body.length) {
      const code = bodyView.getUint16(o, true);
      const length = bodyView.getUint16(o + 2, true);
      if (code === 0) break;
      options.push({ code, value: body.subarray(o + 4, o + 4 + length) });
      o += 4 + ((length + 3) & ~3);
    }
    blocks.push({ type, body, options });
    at += total;
  }
  return blocks;
}
