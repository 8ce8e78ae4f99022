// Forged-datagram rejection rate of verify(): what a flood of forgeries costs the receiver, per
// mode, against one bare HMAC-SHA-256 per datagram (the floor: any MAC check costs at least that).
// Each forgery carries a fresh random sender id (the forger's best move: a sender never seen makes
// the receiver derive its key) and a random tag. CPU time, best of interleaved rounds.
import { createHmac, randomBytes } from 'node:crypto';
import { from } from 'rxjs';
import { type AuthMode, authOverhead, verify } from '../packages/reliability/src/index.js';
import { machine, median, table, writeSection } from './report.js';

const FORGERIES = 20_000;
const ROUNDS = 5;
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
  const samples = new Map<string, number[]>([
    ['hmac', []],
    ...MODES.map((m) => [m, []] as [string, number[]]),
  ]);
  for (let round = 0; round < ROUNDS; round++) {
    const bare = sets.get('hmac-sha256') as Uint8Array[];
    samples.get('hmac')?.push(
      cpuMs(() => {
        for (const m of bare) createHmac('sha256', key).update(m).digest();
      }),
    );
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
    ...MODES.map((mode) => {
      const ms = median(samples.get(mode) as number[]);
      return [
        `verify, ${mode}`,
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
