import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts', 'src/tour.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'node20',
  // `dist/cli.js` is the `porta` bin. One build shares the chunks, so every entry gets the line;
  // a hashbang is a valid first line of any ES module, so the library is unaffected.
  banner: { js: '#!/usr/bin/env node' },
});
