// Type-checks every TSDoc `@example` of the published packages (the API docs' pages), so an example
// cannot call a helper that does not exist or pass an option an API does not take:
// `npm run check:examples`, part of `npm run lint` (so of CI). The packages, their subpath entries
// and their files are found, not listed: a moved or new file is checked as it is.
// (`examples/` is an app, not an API: its TSDoc is not checked.)
//
// The ```ts blocks of the guides (`docs/*.md`) and the READMEs (the root's, each package's) are
// checked the same way, as fragments of the package whose README holds them (`@porta/core` for the
// guides). A block that is deliberately partial is marked on the line before its fence with
// `<!-- check-examples: skip — the reason -->`; a mark without a reason is an error.
//
// An example is a fragment, as in RxJS's and undici's docs: it names porta's and rxjs's exports
// without importing them, and it works on the few things CONTEXT below names (a `socket` is a
// UdpSocket, a `conn` a TcpConnection, a `net` a SimNetwork). Anything else it uses it imports
// (`import fc from 'fast-check'`), makes, or says it has: `declare const session: KcpSession;`,
// which also overrides CONTEXT's meaning of a name. So each example becomes a module that imports,
// from the entry that documents it, then the other porta entries, then rxjs, every exported name it
// uses and does not declare itself, and that declares the CONTEXT names it uses. Any other unknown
// name is an error: that is the phantom helper this check is for.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A module a consumer can import (`@porta/core`, `@porta/core/testing`) and the source folder it is built from. */
interface Entry {
  readonly module: string;
  readonly dir: string;
  /** The package's own entry (`.`), not a subpath. */
  readonly root: boolean;
}

/**
 * Every entry point of every published package, read from `packages/<name>/package.json`'s
 * exports map (its `@porta/source` condition), so a package, subpath or moved file needs no
 * edit here. A file documents the entry whose source folder is the deepest one holding it
 * (`src/testing/x.ts` → `@porta/core/testing`), the package's root entry on a tie.
 */
function entries(): Entry[] {
  const found: Entry[] = [];
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const manifest = join(root, 'packages', name, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name: string;
      exports?: Record<string, unknown>;
    };
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const source =
        typeof target === 'object' && target !== null ? Reflect.get(target, '@porta/source') : undefined;
      if (typeof source !== 'string') continue;
      const module = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`;
      found.push({ module, dir: dirname(join(root, 'packages', name, source)), root: subpath === '.' });
    }
  }
  return found;
}

function entryOf(file: string, all: readonly Entry[]): Entry | undefined {
  const holding = all.filter((e) => file.startsWith(e.dir + sep));
  // Deepest folder first; among equals, the package's root entry.
  holding.sort((a, b) => b.dir.length - a.dir.length || Number(b.root) - Number(a.root));
  return holding[0];
}

/**
 * The things an example works on without making them, by name, with their type. Kept short on
 * purpose: a name used by examples of different packages in different senses gets the type that
 * the package (first key) gives it.
 */
const CONTEXT: Record<string, string> = {
  socket: "import('@porta/udp').UdpSocket",
  conn: "import('@porta/tcp').TcpConnection",
  connection: "import('@porta/tcp').TcpConnection",
  listener: "import('@porta/tcp').TcpListener",
  net: "import('@porta/reliability').SimNetwork",
  transport: "import('@porta/core/transport').TransportPlugin",
  e: "import('@porta/core').ServerEvent",
  event: "import('@porta/core').ServerEvent",
  events: "import('rxjs').Observable<import('@porta/core').ServerEvent>",
  err: 'unknown',
  d: "import('@porta/core').Datagram",
  datagram: "import('@porta/core').Datagram",
  message: 'Uint8Array',
  bytes: 'Uint8Array',
  header: 'Uint8Array',
  hello: 'Uint8Array',
  request: 'Uint8Array',
  key: 'Uint8Array',
  data: 'Uint8Array',
  payload: 'Uint8Array',
  bytes$: "import('rxjs').Observable<Uint8Array>",
  chunks$: "import('rxjs').Observable<Uint8Array>",
  request$: "import('rxjs').Observable<Uint8Array>",
  firstReply$: "import('rxjs').Observable<Uint8Array>",
  requests: "import('rxjs').Observable<import('@porta/core').Datagram>",
  source: "import('rxjs').Observable<Uint8Array>",
  server: "import('@porta/core').Endpoint",
  client: "import('@porta/core').Endpoint",
  echo: "import('@porta/core').Behaviour",
  behaviour: "import('@porta/core').Behaviour",
  handle: "(message: Uint8Array) => import('rxjs').Observable<Uint8Array>",
  reply: '(message: Uint8Array) => Uint8Array',
  check: '(message: Uint8Array) => boolean',
  show: '(value: unknown) => void',
  writeToDisk: '(chunk: Uint8Array) => Promise<void>',
  sink: '(chunk: Uint8Array) => void',
  testScheduler: "import('rxjs/testing').TestScheduler",
  capture: "import('@porta/core').PacketCapture",
  proxy: "import('@porta/reliability').ImpairmentProxy",
  metrics: '{ record(value: unknown): void }',
  db: '{ lookup(key: Uint8Array): Promise<Uint8Array> }',
  signal: 'AbortSignal',
  // A test file's runner and property library, as the testing guide's fragments take them.
  describe: "typeof import('vitest').describe",
  it: "typeof import('vitest').it",
  expect: "typeof import('vitest').expect",
  fc: "typeof import('fast-check').default",
};

interface Example {
  readonly file: string;
  readonly line: number;
  readonly pkg: string;
  readonly code: string;
  /** How a failure names it: `@example` (TSDoc) or ```ts (a Markdown block). */
  readonly kind: '@example' | '```ts';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The fenced ```ts blocks after an `@example` tag, from every doc comment of `file`. */
function examplesOf(file: string, pkg: string): Example[] {
  const text = readFileSync(file, 'utf8');
  const found: Example[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment[0].split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\*\/$/, ''));
    const startLine = text.slice(0, comment.index).split('\n').length;
    for (let i = 0; i < lines.length; i++) {
      if (!/^@example\b/.test(lines[i]?.trim() ?? '')) continue;
      let j = i + 1;
      while (j < lines.length && !/^```(ts|typescript)\s*$/.test(lines[j]?.trim() ?? '')) {
        if (/^@\w/.test(lines[j]?.trim() ?? '')) break;
        j++;
      }
      if (!/^```/.test(lines[j]?.trim() ?? '')) continue;
      const body: string[] = [];
      let k = j + 1;
      for (; k < lines.length && lines[k]?.trim() !== '```'; k++) body.push(lines[k] ?? '');
      found.push({ file, line: startLine + j + 1, pkg, code: body.join('\n'), kind: '@example' });
      i = k;
    }
  }
  return found;
}

/** The mark that exempts the Markdown block after it, with its reason. */
const SKIP = /^<!--\s*check-examples:\s*skip\b\s*[—–:-]?\s*(.*?)\s*-->$/;

/** Markdown blocks that are not checked, each with its reason (reported, so a skip stays visible). */
const skipped: string[] = [];
/** Marks without a reason: errors. */
const badMarks: string[] = [];

/** The ```ts blocks of a Markdown file, but those marked to skip. */
function markdownExamplesOf(file: string, pkg: string): Example[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i] ?? '');
    if (fence === null) continue;
    const indent = fence[1]?.length ?? 0;
    const body: string[] = [];
    let k = i + 1;
    for (; k < lines.length && !/^\s*```\s*$/.test(lines[k] ?? ''); k++)
      body.push((lines[k] ?? '').slice(indent));
    let before = i - 1;
    while (before >= 0 && lines[before]?.trim() === '') before--;
    const mark = SKIP.exec(lines[before]?.trim() ?? '');
    const where = `${relative(root, file)}:${i + 1}`;
    if (mark !== null) {
      if ((mark[1] ?? '') === '') badMarks.push(`${where}: a check-examples skip mark needs a reason`);
      else skipped.push(`${where}: ${mark[1]}`);
    } else {
      found.push({ file, line: i + 2, pkg, code: body.join('\n'), kind: '```ts' });
    }
    i = k;
  }
  return found;
}

/** The guides and READMEs whose ```ts blocks are checked, each with the package it documents. */
function markdownFiles(all: readonly Entry[]): { readonly file: string; readonly pkg: string }[] {
  const docs = join(root, 'docs');
  const guides = readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => ({ file: join(docs, f), pkg: '@porta/core' }));
  const readmes = all
    .filter((e) => e.root)
    .map((e) => ({ file: join(e.dir, '..', 'README.md'), pkg: e.module }))
    .filter(({ file }) => existsSync(file));
  return [{ file: join(root, 'README.md'), pkg: '@porta/core' }, ...guides, ...readmes];
}

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ['@porta/source'],
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: false,
  // An example may leave a value unused or shadow a name; what it must not do is fail to type.
  noUnusedLocals: false,
  allowUnreachableCode: true,
};

/** Every name each module exports (values and types), read from its declarations. */
function exportsOf(modules: readonly string[]): Map<string, Set<string>> {
  const probe = join(root, '__exports__.ts');
  const source = modules.map((m, i) => `export * as m${i} from '${m}';`).join('\n');
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => (f === probe ? source : read(f));
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => f === probe || exists(f);
  const program = ts.createProgram([probe], { ...options, noEmit: true }, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(probe);
  const result = new Map<string, Set<string>>();
  if (file === undefined) throw new Error('no probe');
  const symbol = checker.getSymbolAtLocation(file);
  if (symbol === undefined) throw new Error(`cannot resolve ${modules.join(', ')}`);
  for (const [i, name] of modules.entries()) {
    const ns = checker.getExportsOfModule(symbol).find((s) => s.name === `m${i}`);
    const target = ns ? checker.getAliasedSymbol(ns) : undefined;
    const names = target ? checker.getExportsOfModule(target).map((s) => s.name) : [];
    result.set(name, new Set(names));
  }
  return result;
}

/** Every name the example uses, from its syntax tree (a scanner loses track inside template literals). */
function identifiers(code: string): Set<string> {
  const file = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    const member =
      (ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) ||
      (ts.isQualifiedName(node.parent) && node.parent.right === node);
    if (ts.isIdentifier(node) && !member) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(file, visit);
  return names;
}

/** Names the example itself declares or imports (so they are not imported again). */
function declared(code: string): Set<string> {
  const file = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, false);
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    if (
      (ts.isVariableDeclaration(node) ||
        ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) ||
        ts.isInterfaceDeclaration(node) ||
        ts.isTypeAliasDeclaration(node) ||
        ts.isImportSpecifier(node) ||
        ts.isNamespaceImport(node) ||
        ts.isImportClause(node) ||
        ts.isEnumDeclaration(node)) &&
      node.name !== undefined
    ) {
      collect(node.name);
    }
    ts.forEachChild(node, visit);
  };
  const collect = (name: ts.Node) => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else ts.forEachChild(name, collect);
  };
  visit(file);
  return names;
}

const ENTRIES = entries();
/** Each package's source folder, once (the root entry's). */
const roots = ENTRIES.filter((e) => e.root).map((e) => e.dir);
const tsdoc: Example[] = roots.flatMap((dir) =>
  sourceFiles(dir).flatMap((file) => {
    const entry = entryOf(file, ENTRIES);
    return entry === undefined ? [] : examplesOf(file, entry.module);
  }),
);
const markdown: Example[] = markdownFiles(ENTRIES).flatMap(({ file, pkg }) => markdownExamplesOf(file, pkg));
const all: Example[] = [...tsdoc, ...markdown];
const modules = [
  ...ENTRIES.map((e) => e.module),
  'rxjs',
  'rxjs/testing',
  'node:diagnostics_channel',
  'node:crypto',
];
const exported = exportsOf(modules);

const virtual = new Map<string, Example>();
const sources = new Map<string, string>();
for (const [i, example] of all.entries()) {
  const path = join(root, dirname(relative(root, example.file)), `__example_${i}.ts`);
  const used = identifiers(example.code);
  const own = declared(example.code);
  const order = [example.pkg, ...modules.filter((m) => m !== example.pkg)];
  const imports = new Map<string, string[]>();
  const taken = new Set(own);
  for (const name of used) {
    if (taken.has(name)) continue;
    const from = order.find((m) => exported.get(m)?.has(name));
    if (from === undefined) continue;
    taken.add(name);
    imports.set(from, [...(imports.get(from) ?? []), name]);
  }
  const head = [...imports].map(([from, names]) => `import { ${names.join(', ')} } from '${from}';`);
  const context = Object.entries(CONTEXT)
    .filter(([name]) => used.has(name) && !taken.has(name))
    .map(([name, type]) => `declare const ${name}: ${type};`);
  // The example's own imports stay at the top level of the module; the rest runs in an async
  // function so `await` works and its names cannot clash with another example's.
  // So do its `declare const x: T;` lines: what the reader already has, said in the example.
  const hoisted = (l: string) => /^(import|declare)\s/.test(l);
  const ownImports = example.code.split('\n').filter(hoisted).join('\n');
  const body = example.code
    .split('\n')
    .filter((l) => !hoisted(l))
    .join('\n');
  const prefix = [...head, ownImports, ...context, 'export {};', 'async function example() {'].join('\n');
  sources.set(path, `${prefix}\n${body}\n}\nvoid example;\n`);
  const moved = example.code.split('\n').length - body.split('\n').length;
  virtual.set(path, { ...example, line: example.line + moved - prefix.split('\n').length });
}

const host = ts.createCompilerHost(options);
const read = host.readFile.bind(host);
host.readFile = (f) => sources.get(f) ?? read(f);
const exists = host.fileExists.bind(host);
host.fileExists = (f) => sources.has(f) || exists(f);
const getSource = host.getSourceFile.bind(host);
host.getSourceFile = (f, lang, onError, create) => {
  const text = sources.get(f);
  return text === undefined ? getSource(f, lang, onError, create) : ts.createSourceFile(f, text, lang, true);
};
const program = ts.createProgram([...sources.keys()], options, host);
let failures = 0;
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const example = diagnostic.file ? virtual.get(diagnostic.file.fileName) : undefined;
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (example === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
    console.error(`check-examples: ${message}`);
    failures++;
    continue;
  }
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  console.error(`${relative(root, example.file)}:${example.line + line}: ${example.kind}: ${message}`);
  failures++;
}
for (const bad of badMarks) console.error(bad);
failures += badMarks.length;
const counted = `${tsdoc.length} TSDoc examples and ${markdown.length} Markdown blocks (${skipped.length} marked to skip)`;
if (failures > 0) {
  console.error(`check-examples: ${failures} error(s) in ${counted}`);
  process.exit(1);
}
for (const skip of skipped) console.log(`check-examples: skipped ${skip}`);
console.log(`check-examples: ${counted} type-check`);
