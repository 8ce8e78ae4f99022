import { defineConfig, type Options } from 'tsup';
import { libraryConfig } from '../../tsup.base.js';

// Two entries: the package, and `@porta/core/testing` apart from it (as `rxjs/testing` is).
export default defineConfig({
  ...(libraryConfig as Options),
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  // The testing entry imports the package by name (see src/testing/index.ts): keep that an import.
  external: ['@porta/core'],
});
