import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version of the `@porta/examples` package, what `porta --version` prints. Read from the
 * nearest `package.json` named `@porta/examples` above this module, so it is right from the
 * source (`src/cli/`), the build (`dist/`) and an installed copy alike, whatever the exports map.
 *
 * @example
 * ```ts
 * portaVersion(); // '0.1.0'
 * ```
 */
export function portaVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@porta/examples' && pkg.version !== undefined) return pkg.version;
    } catch {
      // No package.json here (or not JSON): keep looking higher up.
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
