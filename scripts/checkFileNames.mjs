// One file-name rule (docs/architecture.md, "File names"): source files are lower camelCase.
// Run by `npm run lint`; exits 1 listing every tracked file that breaks the rule.
import { execFileSync } from 'node:child_process';

const tracked = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0');
const offenders = tracked.filter((file) => {
  const name = file.slice(file.lastIndexOf('/') + 1);
  return /\.(?:ts|mts|cts|mjs|cjs|js)$/.test(name) && /^[A-Z]/.test(name) && !file.startsWith('docs/api/');
});

if (offenders.length > 0) {
  console.error(
    `checkFileNames: ${offenders.length} source file(s) start with a capital letter; ` +
      'name files in lower camelCase (docs/architecture.md, "File names"):',
  );
  for (const file of offenders) console.error(`  ${file}`);
  process.exit(1);
}
