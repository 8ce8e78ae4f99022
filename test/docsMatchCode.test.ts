// Every command the README and the guides tell a reader to type exists: `npm run X` is a script of
// the package.json it runs in (`npm run bench -- NAME` a bench/NAME.bench.ts), and `porta CMD --flag`
// is a command of the CLI's registry with that option — read from the CLI's own definitions, so a
// renamed command or a dropped flag fails here before a newcomer types it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { optionsOf } from '../examples/src/cli/args.js';
import { commands } from '../examples/src/cli/registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The README, the guides and each package's README: what a reader follows. */
const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...['packages/core', 'packages/udp', 'packages/tcp', 'packages/reliability', 'examples']
    .map((dir) => `${dir}/README.md`)
    .filter((file) => existsSync(join(root, file))),
].sort();

const text = (file: string) => readFileSync(join(root, file), 'utf8');
const scriptsOf = (dir: string): Record<string, string> =>
  (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
    .scripts ?? {};

/** Workspace names and folders (`-w examples`, `-w @porta/examples`) to the folder whose scripts run. */
function workspaceDir(name: string): string | undefined {
  for (const dir of ['packages/core', 'packages/udp', 'packages/tcp', 'packages/reliability', 'examples']) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string };
    if (name === dir || name === pkg.name) return dir;
  }
  return undefined;
}

interface Mention {
  readonly where: string;
  readonly line: string;
}

/** Each `npm run …` / `npm start` / `npm test` command line in the docs (prose or code), with where. */
function npmCommands(): Mention[] {
  const found: Mention[] = [];
  for (const file of DOCS) {
    for (const [i, line] of text(file).split('\n').entries()) {
      for (const m of line.matchAll(/\bnpm (?:run [\w:.-]+|start|test)\b[^`|;&#)]*/g)) {
        found.push({ where: `${file}:${i + 1}`, line: m[0].trim() });
      }
    }
  }
  return found;
}

/**
 * Each `porta …` command line in code: a line of a shell block (```sh, ```console, ```bash, or a
 * bare fence), or an inline code span, that starts with `porta` or `npx porta` (a `$ ` prompt
 * allowed). `porta CMD: …` is the CLI's own output, not a command line.
 */
function portaCommands(): Mention[] {
  const found: Mention[] = [];
  const start = /^(?:\$\s+)?(?:npx\s+)?porta\s+(?![\w-]+:)/;
  for (const file of DOCS) {
    let shell = false;
    let fenced = false;
    for (const [i, line] of text(file).split('\n').entries()) {
      const fence = /^\s*```(\w*)/.exec(line);
      if (fence !== null) {
        fenced = !fenced;
        shell = fenced && ['', 'sh', 'bash', 'shell', 'console'].includes(fence[1] ?? '');
        continue;
      }
      const where = `${file}:${i + 1}`;
      if (shell) {
        const command = line.trim().replace(/\s+#.*$/, '');
        if (start.test(command)) found.push({ where, line: command });
        continue;
      }
      if (fenced) continue;
      for (const m of line.matchAll(/`([^`]+)`/g)) {
        const span = m[1] ?? '';
        // In a table cell a pipe is written `\|`: the command ends there.
        const command = span.replace(/\s*\\?\|.*$/, '');
        if (start.test(command)) found.push({ where, line: command });
      }
    }
  }
  return found;
}

/** What is wrong with one `porta …` line, or `undefined`: its command and every option it names. */
function problemWith(line: string): string | undefined {
  const tokens = line
    .replace(/^(?:\$\s+)?(?:npx\s+)?porta\s+/, '')
    .split(/\s+/)
    .map((t) => t.replace(/^\[|\]$/g, ''))
    .filter((t) => t !== '' && t !== '…' && t !== '\\');
  const flags: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (token === '--lang') {
      i++;
      continue;
    }
    if (token.startsWith('-')) flags.push(token);
    else if (name === undefined && flags.length === 0) name = token;
  }
  if (name === undefined) {
    const general = flags.filter((f) => !['--help', '-h', '--version'].includes(f));
    return general.length === 0 ? undefined : `porta takes ${general.join(', ')} only after a command`;
  }
  if (/^<.*>$|^[A-Z]+$/.test(name)) return undefined; // a placeholder: `porta <example>`
  const command = commands.find((c) => c.name === name);
  if (command === undefined)
    return `no command "${name}" (the CLI has ${commands.map((c) => c.name).join(', ')})`;
  // What parseCommandLine accepts (`--lang` was taken out above, as `main` does).
  const options = optionsOf(command);
  const long = new Set(Object.keys(options));
  const short = new Set(Object.values(options).flatMap((o) => o.short ?? []));
  for (const flag of flags) {
    const bare = flag.replace(/=.*$/, '');
    const known = bare.startsWith('--') ? long.has(bare.slice(2)) : short.has(bare.slice(1));
    if (!known) return `porta ${name} has no option ${bare}`;
  }
  return undefined;
}

describe('the API site documents every entry a consumer can import', () => {
  it("each package's typedoc entryPoints are the sources of its exports map's entries", () => {
    for (const dir of ['packages/core', 'packages/udp', 'packages/tcp', 'packages/reliability']) {
      const pkg = JSON.parse(text(`${dir}/package.json`)) as { exports: Record<string, unknown> };
      const sources = Object.values(pkg.exports)
        .map((target) =>
          typeof target === 'object' && target !== null ? Reflect.get(target, '@porta/source') : undefined,
        )
        .filter((source): source is string => typeof source === 'string')
        .map((source) => source.replace(/^\.\//, ''))
        .sort();
      const own = existsSync(join(root, dir, 'typedoc.json'))
        ? (JSON.parse(text(`${dir}/typedoc.json`)) as { entryPoints?: string[] }).entryPoints
        : undefined;
      const shared = (JSON.parse(text('typedoc.json')) as { packageOptions: { entryPoints: string[] } })
        .packageOptions.entryPoints;
      expect([...(own ?? shared)].sort(), dir).toEqual(sources);
    }
  });
});

describe('the commands the docs name exist', () => {
  it("finds the command lines to check (the README's first-run commands among them)", () => {
    const npm = npmCommands().map((m) => m.line);
    expect(npm).toContain('npm start');
    expect(npm).toContain('npm run docs:api');
    expect(portaCommands().map((m) => m.line)).toContain('npx porta --help');
  });

  it('every `npm run X` is a script of the package it runs in; every bench named is a bench file', () => {
    const problems: string[] = [];
    const rootScripts = scriptsOf('.');
    for (const { where, line } of npmCommands()) {
      const script = /^npm (?:run ([\w:.-]+)|(start|test))/.exec(line);
      const name = script?.[1] ?? script?.[2] ?? '';
      const workspace = /(?:-w|--workspace)[= ](\S+)/.exec(line)?.[1];
      const dir = workspace === undefined ? '.' : workspaceDir(workspace);
      if (dir === undefined) {
        problems.push(`${where}: ${line}: no workspace ${workspace}`);
        continue;
      }
      const scripts = dir === '.' ? rootScripts : scriptsOf(dir);
      if (!(name in scripts)) problems.push(`${where}: ${line}: ${dir}/package.json has no script "${name}"`);
      const bench = /^npm run bench -- ([\w-]+)/.exec(line)?.[1];
      if (bench !== undefined && !existsSync(join(root, 'bench', `${bench}.bench.ts`))) {
        problems.push(`${where}: ${line}: no bench/${bench}.bench.ts`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every `porta CMD --flag` names a command of the CLI and options that command takes', () => {
    const problems = portaCommands().flatMap(({ where, line }) => {
      const problem = problemWith(line);
      return problem === undefined ? [] : [`${where}: ${line}: ${problem}`];
    });
    expect(problems).toEqual([]);
  });

  it('the check refuses a command or an option the CLI does not have', () => {
    expect(problemWith('porta udp-locl server')).toMatch(/no command "udp-locl"/);
    expect(problemWith('porta tour -p 1060')).toMatch(/no option -p/);
    expect(problemWith('porta udp-remote client 127.0.0.1 --pcapng x')).toMatch(/no option --pcapng/);
    expect(problemWith('porta --lang pt udp-local --help')).toBeUndefined();
    expect(problemWith('npx porta --version')).toBeUndefined();
  });
});
