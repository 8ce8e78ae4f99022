// Forged-datagram rejection rate of verify(): what a flood of forgeries costs the receiver, per
// mode, against one bare HMAC-SHA-256 per datagram (the floor: any MAC check costs at least that).
// Each forgery carries a fresh random sender id (the forger's best move: a sender never seen makes
// the receiver derive its key) and a random tag. CPU time, best of interleaved rounds.
import { createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { from } from 'rxjs';
import { type AuthMode, authOverhead, verify } from '../packages/reliability/src/index.js';
import { machine, median, table, writeSection } from './report.js';

const FORGERIES = 20_000;
const ROUNDS = 9;
const MODES: readonly AuthMode[] = ['hmac-sha256', 'aes-256-gcm', 'chacha20-poly1305'];
const MODE_CODES: Record<AuthMode, number> = { 'hmac-sha256': 1, 'aes-256-gcm': 2, 'chacha20-poly1305': 3 };

function forgeries(mode: AuthMode, payload: number): Uint8Array[] {
  return Array.from({ length: FORGERIES }, () => {
    const m = randomBytes(payload + authOverhead(mode));
    m[0] = 1; // version
    m[1] = MODE_CODES[mode]; // the receiver's mode: it must check the tag
    return m;
  });
}

/**
 * What verify did per forgery before the fix, reimplemented here as the baseline: a full
 * `hkdfSync` for the unseen sender id, then the AEAD check, whose failure throws with a stack trace.
 */
function oldRejection(key: Uint8Array, mode: 'aes-256-gcm' | 'chacha20-poly1305', m: Uint8Array): void {
  const info = Buffer.alloc(14 + mode.length + 8);
  info.write(`porta-auth v1 ${mode}`);
  info.set(m.subarray(2, 10), 14 + mode.length);
  const senderKey = new Uint8Array(hkdfSync('sha256', key, new Uint8Array(0), info, 32));
  const iv = Buffer.alloc(12);
  iv.set(m.subarray(10, 18), 4);
  try {
    const d = createDecipheriv(mode as 'aes-256-gcm', senderKey, iv, { authTagLength: 16 });
    d.setAAD(m.subarray(0, 18));
    d.setAuthTag(m.subarray(m.length - 16));
    d.update(m.subarray(18, m.length - 16));
    d.final();
  } catch {
    // forged, as expected
  }
}

function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export async function main(): Promise<void> {
  const key = randomBytes(32);
  const payload = 64;
  const sets = new Map(MODES.map((mode) => [mode, forgeries(mode, payload)]));
  const samples = new Map<string, number[]>();
  for (const name of ['hmac', 'old aes-256-gcm', 'old chacha20-poly1305', ...MODES]) samples.set(name, []);
  for (let round = 0; round < ROUNDS; round++) {
    const bare = sets.get('hmac-sha256') as Uint8Array[];
    samples.get('hmac')?.push(
      cpuMs(() => {
        for (const m of bare) createHmac('sha256', key).update(m).digest();
      }),
    );
    for (const mode of ['aes-256-gcm', 'chacha20-poly1305'] as const) {
      const messages = sets.get(mode) as Uint8Array[];
      samples.get(`old ${mode}`)?.push(
        cpuMs(() => {
          for (const m of messages) oldRejection(key, mode, m);
        }),
      );
    }
    for (const mode of MODES) {
      const check = verify(key, { mode });
      const messages = sets.get(mode) as Uint8Array[];
      samples.get(mode)?.push(cpuMs(() => from(messages).pipe(check).subscribe()));
      if (check.stats.rejected.forged !== FORGERIES) throw new Error(`${mode}: a forgery was not rejected`);
    }
  }
  const base = median(samples.get('hmac') as number[]);
  const rows = [
    [
      'bare HMAC-SHA-256 per datagram (floor)',
      base.toFixed(1),
      Math.round((FORGERIES / base) * 1000),
      '1.00×',
    ],
    ...(['aes-256-gcm', 'chacha20-poly1305'] as const).map((mode) => {
      const ms = median(samples.get(`old ${mode}`) as number[]);
      return [
        `before the fix, ${mode}: hkdfSync + AEAD check (reimplemented)`,
        ms.toFixed(1),
        Math.round((FORGERIES / ms) * 1000),
        `${(ms / base).toFixed(2)}×`,
      ];
    }),
    ...MODES.map((mode) => {
      const ms = median(samples.get(mode) as number[]);
      return [
        `verify now, ${mode}`,
        ms.toFixed(1),
        Math.round((FORGERIES / ms) * 1000),
        `${(ms / base).toFixed(2)}×`,
      ];
    }),
  ];
  const markdown = [
    `${FORGERIES.toLocaleString('en-US')} forged ${payload}-byte datagrams, each from a new random sender id;`,
    `CPU time, median of ${ROUNDS} interleaved rounds. ${machine()}.`,
    '',
    table(['receiver', 'CPU ms', 'forgeries rejected / CPU-second', 'cost vs one HMAC'], rows),
  ].join('\n');
  console.log(markdown);
  writeSection('forged', `## forged\n\n${markdown}`);
}
