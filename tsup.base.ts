import { defineConfig } from 'tsup';

/** The build every library package shares: ESM + CJS with declarations, for Node 20. */
export const libraryConfig = defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'node20',
  // No keepNames: it wraps every function and closure in `__name(fn, '…')`, an own `name` property on
  // each closure made per connection (~KB per idle connection, bench/tcp-idle). An error class's name
  // is its identity across the ESM and CJS builds (core `internal/errorBrand.ts`): the classes are
  // written so the bundler keeps their names, and test/errorIdentity.test.ts checks every one.
  keepNames: false,
});
