import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// porta as a consumer installs it: the packed tarballs in a scratch project of its own, beside the
// oldest rxjs porta supports (its peer floor) and without effect. Everything here runs the real
// npm, tsc and node, so it is slow for a unit test but bounded: one pack, two installs.

/** The peer floor in every package's `peerDependencies` (`^7.8.0`): the version a consumer may pin. */
const RXJS_FLOOR = '7.8.0';
const root = fileURLToPath(new URL('..', import.meta.url));
/** Each tarball (by its name's tail, `porta-<name>-<version>.tgz`) and the folder it is packed from. */
const FOLDERS: Readonly<Record<string, string>> = {
  core: 'packages/core',
  udp: 'packages/udp',
  tcp: 'packages/tcp',
  reliability: 'packages/reliability',
  examples: 'examples',
};
const packages = Object.values(FOLDERS);
const tsc = join(root, 'node_modules/typescript/bin/tsc');

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  timeout = 120_000,
): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, npm_config_fund: 'false' },
  });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) {
    throw new Error(
      `${what} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

const registry = run('npm', ['ping'], root, 20_000);
const offline =
  registry.status !== 0
    ? `the npm registry is unreachable (npm ping: ${registry.stderr.trim().split('\n')[0]})`
    : '';
const unbuilt = packages.find((dir) => !existsSync(join(root, dir, 'dist')));
if (unbuilt !== undefined) throw new Error(`${unbuilt} is not built: run \`npm run build\` first`);

describe.skipIf(offline !== '')(
  `porta installed from its tarballs in a new project${offline ? ` (skipped: ${offline})` : ''}`,
  () => {
    let dir = '';
    let app = '';
    const tarball = (name: string) =>
      join(dir, readdirSync(dir).find((f) => f.startsWith(`porta-${name}-`)) ?? name);

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'porta-consumer-'));
      app = join(dir, 'app');
      ok(
        run(
          'npm',
          ['pack', '--silent', '--pack-destination', dir, ...packages.flatMap((p) => ['-w', p])],
          root,
        ),
        'npm pack',
      );
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
      );
      const libraries = ['core', 'udp', 'tcp', 'reliability'].map(tarball);
      ok(
        run(
          'npm',
          [
            'install',
            '--no-audit',
            '--prefer-offline',
            `rxjs@${RXJS_FLOOR}`,
            '@types/node@^20.19.0',
            ...libraries,
          ],
          app,
          240_000,
        ),
        'npm install',
      );
    }, 300_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('every tarball ships dist, README, LICENSE and a repository naming its folder, and no src/ beside source maps that carry the sources', () => {
      for (const [name, folder] of Object.entries(FOLDERS)) {
        const files = ok(run('tar', ['-tzf', tarball(name)], dir), 'tar').split('\n');
        expect(files, name).toContain('package/README.md');
        expect(files, name).toContain('package/LICENSE');
        expect(
          files.some((f) => f.startsWith('package/dist/')),
          name,
        ).toBe(true);
        expect(
          files.filter((f) => /^package\/(src|test|\.tsbuild)\//.test(f)),
          name,
        ).toEqual([]);
        const manifest = JSON.parse(
          ok(run('tar', ['-xzOf', tarball(name), 'package/package.json'], dir), 'tar package.json'),
        );
        expect(manifest.repository, name).toMatchObject({ type: 'git', directory: folder });
        expect(manifest.repository.url, name).toMatch(/^git\+https:\/\/\S+\.git$/);
        expect(manifest.license, name).toBe('MIT');
        const license = ok(run('tar', ['-xzOf', tarball(name), 'package/LICENSE'], dir), 'tar LICENSE');
        expect(license, name).toMatch(/MIT License/i);
        const readme = ok(run('tar', ['-xzOf', tarball(name), 'package/README.md'], dir), 'tar README');
        expect(readme, name).toContain(manifest.name);
      }
      const core = ok(
        run('node', ['-p', 'JSON.stringify(require("@porta/core/package.json").repository)'], app),
        'read',
      );
      expect(JSON.parse(core)).toMatchObject({ type: 'git', directory: 'packages/core' });
      const map = JSON.parse(readFileSync(join(app, 'node_modules/@porta/core/dist/index.js.map'), 'utf8'));
      expect(map.sourcesContent.length).toBe(map.sources.length);
      expect(map.sourcesContent.every((text: unknown) => typeof text === 'string' && text.length > 0)).toBe(
        true,
      );
    });

    it(`has exactly one rxjs, the app's ${RXJS_FLOOR}, and no effect`, () => {
      const paths = ok(run('npm', ['ls', 'rxjs', '--all', '--parseable'], app), 'npm ls')
        .split('\n')
        .filter((line) => line.trim() !== '');
      expect(paths).toEqual([join(app, 'node_modules/rxjs')]);
      expect(ok(run('node', ['-p', 'require("rxjs/package.json").version'], app), 'rxjs').trim()).toBe(
        RXJS_FLOOR,
      );
      expect(existsSync(join(app, 'node_modules/effect'))).toBe(false);
    });

    it("type-checks strictly a file that pipes the app's rxjs operators through porta's Observables", () => {
      writeFileSync(join(app, 'consumer.mts'), CONSUMER_TS);
      writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS);
      const strict = { strict: true, target: 'es2022', noEmit: true, skipLibCheck: false, types: ['node'] };
      // ESM under node16 resolution (the exports map's `import` types), and CJS under `module: commonjs`
      // without esModuleInterop: the shipped .d.ts must not default-import Node built-ins.
      const configs = {
        'tsconfig.esm.json': {
          ...strict,
          module: 'node16',
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
        },
        'tsconfig.cjs.json': { ...strict, module: 'commonjs', esModuleInterop: false },
      };
      for (const [file, compilerOptions] of Object.entries(configs)) {
        const files = [file.includes('esm') ? 'consumer.mts' : 'consumer.ts'];
        writeFileSync(join(app, file), JSON.stringify({ compilerOptions, files }));
        ok(run(process.execPath, [tsc, '-p', file], app, 180_000), `tsc -p ${file}`);
      }
    }, 360_000);

    it('imports and requires every package; an error from one format is a PortaError to the other', () => {
      writeFileSync(join(app, 'run.mjs'), RUN_MJS);
      const out = ok(run(process.execPath, ['run.mjs'], app, 30_000), 'node run.mjs');
      expect(JSON.parse(out)).toEqual({
        frames: ['HI', '!'],
        echoed: 'ping',
        esmErrorIsCjsPortaError: true,
        cjsErrorIsEsmFrameTooLong: true,
        required: ['@porta/core', '@porta/udp', '@porta/tcp', '@porta/reliability'],
        effectSubpathNeedsEffect: true,
      });
    });

    it('installs the examples package beside them and `npx porta --help` runs, still on one rxjs', () => {
      ok(
        run('npm', ['install', '--no-audit', '--prefer-offline', tarball('examples')], app, 240_000),
        'npm install examples',
      );
      const help = ok(run('npx', ['--no-install', 'porta', '--help'], app, 60_000), 'npx porta --help');
      expect(help).toMatch(/^Usage: porta <example>/m);
      const paths = ok(run('npm', ['ls', 'rxjs', '--all', '--parseable'], app), 'npm ls')
        .trim()
        .split('\n');
      expect(paths).toEqual([join(app, 'node_modules/rxjs')]);
    }, 300_000);
  },
);

/** The consumer's source: typed against porta's declarations, with rxjs operators of its own. */
const CONSUMER_TS = `import { decodeText, type Endpoint, FrameTooLongError, isPortaError, lengthField, PortaError } from '@porta/core';
import { exponentialBackoff, retryBackoff } from '@porta/reliability';
import { connectTcp, type TcpConnection } from '@porta/tcp';
import { bindUdp, connectUdp } from '@porta/udp';
import { filter, from, map, type Observable, scan, switchMap, take, toArray } from 'rxjs';

export const frames: Observable<string[]> = from([Uint8Array.of(0, 0, 0, 2, 104, 105)]).pipe(
  lengthField(),
  decodeText('utf8'),
  map((text) => text.toUpperCase()),
  toArray(),
);
export const total: Observable<number> = bindUdp({ address: '127.0.0.1', port: 0 }).pipe(
  switchMap((socket) => socket.datagrams),
  map((d) => d.data.length),
  scan((sum, n) => sum + n, 0),
  retryBackoff({ policy: exponentialBackoff({ maxAttempts: 2 }) }),
);
export const first: Observable<Uint8Array> = connectTcp({ host: '127.0.0.1', port: 1060 }).pipe(
  switchMap((conn: TcpConnection) => conn.bytes),
  take(1),
);
export const replies = connectUdp({ address: '127.0.0.1', port: 1060 }).pipe(
  switchMap((socket) => socket.messages),
  filter((m) => m.length > 0),
);
export function explain(err: unknown, at: Endpoint): string {
  if (err instanceof FrameTooLongError) return \`\${err.length} > \${err.maxFrameLength}\`;
  if (err instanceof PortaError) return \`\${err.code} at \${at.address}\`;
  return isPortaError(err, 'TIMEOUT') ? err.code : String(err);
}
`;

/** Runs in the consumer: both module formats, a loopback round trip, and effect kept out. */
const RUN_MJS = `import { createRequire } from 'node:module';
import { decodeText, encodeString, FrameTooLongError, lengthField, PortaError } from '@porta/core';
import { retryBackoff } from '@porta/reliability';
import { bindUdp, connectUdp } from '@porta/udp';
import { firstValueFrom, from, ignoreElements, map, merge, mergeMap, switchMap, take, toArray } from 'rxjs';

const require = createRequire(import.meta.url);
const cjs = require('@porta/core');
const required = ['@porta/core', '@porta/udp', '@porta/tcp', '@porta/reliability'].filter((name) => typeof require(name) === 'object');

const frames = await firstValueFrom(
  from([Uint8Array.of(0, 0, 0, 2, 104), Uint8Array.of(105, 0, 0, 0, 1, 33)]).pipe(lengthField(), decodeText('utf8'), map((t) => t.toUpperCase()), toArray()),
);

// A UDP echo on loopback, port 0: the server's port reaches the client through a promise.
let port;
const bound = new Promise((resolve) => { port = resolve; });
const server = bindUdp({ address: '127.0.0.1', port: 0 }).pipe(
  switchMap((socket) => { port(socket.local.port); return socket.datagrams.pipe(mergeMap(({ data, remote }) => socket.send(data, remote))); }),
).subscribe();
const echoed = await firstValueFrom(
  connectUdp({ address: '127.0.0.1', port: await bound }).pipe(
    switchMap((socket) => merge(socket.send(encodeString('ping', 'ascii')).pipe(ignoreElements()), socket.messages).pipe(take(1), retryBackoff())),
    map((bytes) => new TextDecoder().decode(bytes)),
  ),
);
server.unsubscribe();

let effectSubpathNeedsEffect = false;
try {
  await import('@porta/reliability/effect');
} catch (err) {
  effectSubpathNeedsEffect = err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes("'effect'");
}

console.log(JSON.stringify({
  frames,
  echoed,
  esmErrorIsCjsPortaError: new FrameTooLongError(9, 8) instanceof cjs.PortaError,
  cjsErrorIsEsmFrameTooLong: new cjs.FrameTooLongError(9, 8) instanceof FrameTooLongError && new cjs.FrameTooLongError(9, 8) instanceof PortaError,
  required,
  effectSubpathNeedsEffect,
}));
`;
