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
  // No keepNames in the ESM build: its `__name` wrapper gives every function and closure an own
  // `name` property, ~18 closures per connection (heap per idle TCP actor 10.4 → 5.8 KB,
  // bench/tcp-idle). The CJS build keeps it: tsup turns split chunks into CJS with sucrase, whose
  // class-field transform would name the error classes `_class3`, and an error class's name is its
  // identity across the two builds (core `internal/errorBrand.ts`; test/errorIdentity.test.ts
  // checks every exported error class is named as exported in both).
  esbuildOptions(options, context) {
    options.keepNames = context.format === 'cjs';
  },
});
