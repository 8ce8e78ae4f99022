// Checks what the test suite needs beyond npm packages, so a fresh machine says early and clearly
// which tests will run. `.ci/run` installs the optional tools; on a user's machine they are optional.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`porta needs Node.js 20.19 or newer; this is ${process.version}.`);
  process.exit(1);
}

function version(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return undefined;
  }
}

const python = version('python3', ['--version']);
const openssl = version('openssl', ['version']);
console.log(`check-env: node ${process.version}`);
console.log(
  python
    ? `check-env: ${python}: interop tests with the course's Python programs will run`
    : "check-env: python3 not found: interop tests with the course's Python programs will be skipped",
);
console.log(
  openssl
    ? `check-env: ${openssl}: TLS tests will make their certificate`
    : 'check-env: openssl not found: TLS tests will be skipped',
);
const kcptun = version('kcptun-client', ['--version']);
console.log(
  kcptun
    ? `check-env: ${kcptun}: interop tests with Debian's kcptun will run`
    : 'check-env: kcptun-client not found: interop tests with kcptun will be skipped (apt-get install kcptun)',
);
const tshark = version('tshark', ['--version'])?.match(/TShark \(Wireshark\) ([\d.]+)/)?.[1];
console.log(
  tshark
    ? `check-env: tshark ${tshark}: capture tests will read their pcapng files back`
    : 'check-env: tshark not found: capture tests will be skipped (apt-get install tshark)',
);

const haproxy = version('haproxy', ['-v'])?.split('\n')[0];
console.log(
  haproxy
    ? `check-env: ${haproxy.split(' - ')[0]}: tests behind a real HAProxy will run`
    : 'check-env: haproxy not found: tests behind a real HAProxy will be skipped',
);
// nginx prints its version on stderr; `version` is '' then, and undefined only when it is missing.
const nginx = version('nginx', ['-v']);
const streamModule = '/usr/lib/nginx/modules/ngx_stream_module.so';
console.log(
  nginx === undefined
    ? 'check-env: nginx not found: tests behind nginx (stream, UDP) will be skipped'
    : existsSync(streamModule)
      ? 'check-env: nginx with its stream module: tests behind nginx (stream, UDP) will run'
      : `check-env: nginx without ${streamModule} (libnginx-mod-stream): tests behind nginx will be skipped`,
);
