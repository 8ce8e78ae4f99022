// `npm run footprint`: what porta costs a consumer. Packs the packages, installs the tarballs in a
// scratch project as a user would (rxjs only; then the same project with effect added), and
// reports the project's node_modules size and each package's cold `import()` time: wall and CPU,
// the median of N fresh `node` processes per package, interleaved (one round imports every package
// once, in turn) so a burst of load from another job falls on all of them alike. Writes the
// `footprint` section of docs/BENCHMARKS.md; `--rounds N` (default 5), `--keep` keeps the project.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadNote, machine, median, table, writeSection } from './report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const LIBRARIES = ['core', 'udp', 'tcp', 'reliability'] as const;

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds must be an integer ≥ 1, got ${values.rounds}`);

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Bytes of every file under `dir` (what the files hold, not the blocks they take), symlinks not followed. */
function apparentBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += apparentBytes(path);
    else if (entry.isFile()) total += lstatSync(path).size;
  }
  return total;
}

/** What the disk gives them (`du -sk`), the figure a user sees. */
function diskKiB(dir: string): number {
  return Number(run('du', ['-sk', dir], root).split(/\s/)[0]);
}

/** Packages installed (folders with a package.json directly under node_modules and its scopes). */
function packageCount(modules: string): number {
  let count = 0;
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    count += entry.startsWith('@') ? readdirSync(join(modules, entry)).length : 1;
  }
  return count;
}

/**
 * One fresh `node` that imports `specifier` and prints the import's wall time (ms) and the CPU the
 * process spent on it (user + system, ms) — the time Node itself needs to start is not counted.
 */
function coldImport(app: string, specifier: string): { wall: number; cpu: number } {
  const script = `
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await import(${JSON.stringify(specifier)});
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1000 }));`;
  return JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], app));
}

interface Install {
  readonly label: string;
  readonly diskKiB: number;
  readonly apparentKiB: number;
  readonly packages: number;
  readonly imports: Map<string, { wall: number[]; cpu: number[] }>;
}

function measure(app: string, label: string, specifiers: readonly string[]): Install {
  const modules = join(app, 'node_modules');
  // One discarded import of each first: the files are then in the OS cache for every measured run,
  // so the figures are Node's work (parse, link, evaluate), not the disk's.
  for (const s of specifiers) coldImport(app, s);
  const imports = new Map(specifiers.map((s) => [s, { wall: [] as number[], cpu: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    for (const s of specifiers) {
      const { wall, cpu } = coldImport(app, s);
      imports.get(s)!.wall.push(wall);
      imports.get(s)!.cpu.push(cpu);
    }
  }
  return {
    label,
    diskKiB: diskKiB(modules),
    apparentKiB: Math.round(apparentBytes(modules) / 1024),
    packages: packageCount(modules),
    imports,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'porta-footprint-'));
try {
  run(
    'npm',
    ['pack', '--silent', '--pack-destination', dir, ...LIBRARIES.flatMap((p) => ['-w', `packages/${p}`])],
    root,
  );
  const tarballs = readdirSync(dir)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(dir, f));
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
  );
  run('npm', ['install', '--prefer-offline', 'rxjs@^7.8.0', ...tarballs], app);
  const bare = measure(
    app,
    'rxjs only',
    LIBRARIES.map((p) => `@porta/${p}`),
  );
  run('npm', ['install', '--prefer-offline', 'effect@^3.19.0'], app);
  const withEffect = measure(app, 'with effect', ['@porta/reliability', '@porta/reliability/effect']);
  const versions = JSON.parse(run('npm', ['ls', 'rxjs', 'effect', '--json'], app)) as {
    dependencies?: Record<string, { version?: string }>;
  };
  const version = (name: string) => versions.dependencies?.[name]?.version ?? '?';

  const sizes = table(
    ['install', 'node_modules (du -sk, KiB)', 'file bytes (KiB)', 'packages'],
    [bare, withEffect].map((i) => [
      `${i.label}${i === bare ? ` (rxjs ${version('rxjs')})` : ` (effect ${version('effect')})`}`,
      i.diskKiB.toLocaleString('en-US'),
      i.apparentKiB.toLocaleString('en-US'),
      i.packages,
    ]),
  );
  const ms = (values: number[]) => Math.round(median(values));
  const range = (values: number[]) => `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}`;
  const importRows = [bare, withEffect].flatMap((i) =>
    [...i.imports].map(([specifier, t]) => [
      `\`import('${specifier}')\`${i === withEffect ? ' (effect installed)' : ''}`,
      ms(t.wall),
      range(t.wall),
      ms(t.cpu),
    ]),
  );
  const imports = table(['import', 'wall ms (median)', 'wall ms (min–max)', 'CPU ms (median)'], importRows);
  const section = `## Footprint: porta in a consumer's project (\`bench/footprint.ts\`)

\`npm run footprint\` packs the packages, installs the tarballs in a scratch project (\`rxjs@^7.8.0\`
and the four libraries; then \`effect\` added), and times a cold \`import()\` of each package in
${rounds} fresh \`node\` processes per package, interleaved by round, after one discarded import each
(so the OS file cache is warm and the figures are Node's parse, link and evaluate). Wall is the
\`import()\` alone (not Node's start-up); CPU is the process's user + system time over it. Medians;
the min–max shows the noise. ${machine()}.

${sizes}

${imports}
`;
  console.log(section);
  writeSection('footprint', section);
  console.log(`footprint: written to docs/BENCHMARKS.md (${loadNote()})`);
} finally {
  if (values.keep) console.log(`footprint: scratch project kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
