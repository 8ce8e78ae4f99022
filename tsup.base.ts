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
  // Classes keep their source names (esbuild would otherwise rename `PortaError` to `_PortaError`):
  // an error class's name is its identity across the ESM and CJS builds (core `internal/errorBrand.ts`).
  keepNames: true,
});
