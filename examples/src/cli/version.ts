import { createRequire } from 'node:module';

/**
 * The version of the `@porta/examples` package, what `porta --version` prints. Read from the
 * package's own `package.json` through its name (a package may import itself by name), so it is
 * right from the source, the build and an installed copy alike.
 *
 * @example
 * ```ts
 * portaVersion(); // '0.1.0'
 * ```
 */
export function portaVersion(): string {
  const load = createRequire(import.meta.url);
  return (load('@porta/examples/package.json') as { version: string }).version;
}
