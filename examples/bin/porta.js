#!/usr/bin/env node
// The `porta` command. This file is committed, not built: npm links a package's bin at install
// time and skips one whose target does not exist yet, so pointing `bin` at `dist/cli.js` left a
// fresh clone without `npx porta` until the next install.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write('porta: the examples are not built yet; run `npm run build` (or `npm start`) first\n');
  process.exitCode = 1;
}
