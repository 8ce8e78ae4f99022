// Checks what the test suite needs beyond npm packages, so a fresh machine fails early and clearly.
import { execFileSync } from 'node:child_process';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`porta needs Node.js 20.19 or newer; this is ${process.version}.`);
  process.exit(1);
}
try {
  const v = execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
  console.log(`check-env: node ${process.version}, ${v} (interop tests with the course's programs will run)`);
} catch {
  console.log(
    "check-env: python3 not found: interop tests with the course's Python programs will be skipped.",
  );
}
