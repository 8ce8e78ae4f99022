import { defineConfig, type Options } from 'tsup';
import { libraryConfig } from '../../tsup.base.js';

// Three entries, by audience: the package (what users compose), `@porta/core/transport` (what a
// transport's author needs) and `@porta/core/testing` (apart from both, as `rxjs/testing` is).
export default defineConfig({
  ...(libraryConfig as Options),
  entry: { index: 'src/index.ts', transport: 'src/transport/index.ts', testing: 'src/testing/index.ts' },
  // The main and transport entries share modules (errors, the abort helpers): split them into shared
  // chunks, for CJS too, so each class exists once and `instanceof` needs no brand between entries.
  splitting: true,
  // The testing entry imports the package by name (see src/testing/index.ts): keep that an import.
  external: ['@porta/core'],
});
