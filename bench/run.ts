// Runs the benchmarks named on the command line (default: all) and updates docs/BENCHMARKS.md.
//   npm run bench              every benchmark
//   npm run bench -- framing   one of them
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : all) {
  if (!all.includes(name)) {
    console.error(`no benchmark "${name}"; have: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${name}\n`);
  const mod = (await import(new URL(`./${name}.bench.ts`, here).href)) as { main: () => Promise<void> };
  await mod.main();
}
