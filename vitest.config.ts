import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // The subpaths first: an alias also matches the paths under its name.
    alias: {
      '@porta/core/testing': fileURLToPath(new URL('./packages/core/src/testing/index.ts', import.meta.url)),
      '@porta/core/transport': fileURLToPath(
        new URL('./packages/core/src/transport/index.ts', import.meta.url),
      ),
      '@porta/core': src('core'),
      '@porta/udp': src('udp'),
      '@porta/tcp': src('tcp'),
      '@porta/reliability': src('reliability'),
      '@porta/examples': fileURLToPath(new URL('./examples/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The global beforeEach/afterEach that `trackHandles` from @porta/core/testing registers on, as
    // under jest; tests still import what they use from 'vitest'.
    globals: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/support/summaryReporter.ts'],
  },
});
