import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.base.js';

// Two entries: `effect.ts` is the `@porta/reliability/effect` subpath, the only one that imports
// `effect` (an optional peer), so the main entry never loads it.
export default defineConfig({ ...libraryConfig, entry: ['src/index.ts', 'src/effect.ts'] });
