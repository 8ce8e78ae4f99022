// Real load balancers (Debian's haproxy, and nginx with its stream module) run in the foreground on
// free loopback ports, each from a config written to its own temporary directory; stopped and the
// directory removed by `stop()`. Tests skip with the reason from `haproxySkipReason` / `nginxSkipReason`.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's libnginx-mod-stream puts the module (loaded with `load_module`). */
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

function runs(command: string, args: readonly string[]): boolean {
  const probe = spawnSync(command, args, { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/** Why the HAProxy tests cannot run here, or `undefined` when they can. */
export function haproxySkipReason(): string | undefined {
  return runs('haproxy', ['-v']) ? undefined : 'haproxy is not installed (Debian: apt-get install haproxy)';
}

/** Why the nginx stream tests cannot run here, or `undefined` when they can. */
export function nginxSkipReason(): string | undefined {
  if (!runs('nginx', ['-v']))
    return 'nginx is not installed (Debian: apt-get install nginx-light libnginx-mod-stream)';
  if (!existsSync(NGINX_STREAM_MODULE))
    return `nginx's stream module is not at ${NGINX_STREAM_MODULE} (libnginx-mod-stream)`;
  return undefined;
}

/** A free TCP (or UDP) port on `host`: bind 0, read the port, close. */
export function freePort(host = '127.0.0.1', type: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (type === 'udp') {
      const socket = dgram.createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, host, () => {
        const { port } = socket.address();
        socket.close(() => resolve(port));
      });
      return;
    }
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

/** Resolves once `host:port` accepts a TCP connection (polling, bounded). */
export async function waitForTcp(host: string, port: number, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not listen on ${host}:${port} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One balancer process and its directory. */
export interface Balancer {
  readonly dir: string;
  readonly process: ChildProcess;
  /** What it printed (stdout and stderr), for failure messages. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL after 3 s) and removes its directory. */
  stop(): Promise<void>;
}

function launch(command: string, args: readonly string[], dir: string): Balancer {
  let output = '';
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped: Promise<void> | undefined;
  return {
    dir,
    process: child,
    output: () => output,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopped;
    },
  };
}

/** A temporary directory that `cleanup` removes. */
export function balancerDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `porta-${prefix}-`));
}

/**
 * Starts `haproxy -db` (foreground) on `config`, written to `dir/haproxy.cfg`; `extraArgs` for a
 * reload (`-sf OLD_PID -x SOCKET`). Resolves once `waitFor` accepts connections.
 */
export async function startHaproxy(
  dir: string,
  config: string,
  waitFor: { readonly host: string; readonly port: number },
  extraArgs: readonly string[] = [],
  name = 'haproxy.cfg',
): Promise<Balancer> {
  const file = join(dir, name);
  writeFileSync(file, config);
  const check = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0)
    throw new Error(`haproxy refused its config:\n${check.stdout}${check.stderr}\n${config}`);
  const balancer = launch('haproxy', ['-db', '-f', file, ...extraArgs], dir);
  try {
    await waitForTcp(waitFor.host, waitFor.port, 'haproxy');
  } catch (err) {
    await balancer.stop();
    throw new Error(`${(err as Error).message}\n${balancer.output()}`);
  }
  return balancer;
}

/** Starts nginx in the foreground with `config` (a whole nginx.conf) written to `dir/nginx.conf`. */
export async function startNginx(dir: string, config: string, ready: () => Promise<void>): Promise<Balancer> {
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  const check = spawnSync('nginx', ['-t', '-p', dir, '-c', file], { encoding: 'utf8' });
  if (check.status !== 0)
    throw new Error(`nginx refused its config:\n${check.stdout}${check.stderr}\n${config}`);
  const balancer = launch('nginx', ['-p', dir, '-c', file], dir);
  try {
    await ready();
  } catch (err) {
    await balancer.stop();
    throw new Error(`${(err as Error).message}\n${balancer.output()}`);
  }
  return balancer;
}

/** Removes a balancer's directory (after `stop()`). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Sends one command to HAProxy's runtime API (its `stats socket`) and resolves with the answer. */
export function haproxyCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(socketPath);
    socket.once('connect', () => socket.end(`${command}\n`));
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.once('error', reject);
    socket.once('close', () => resolve(answer));
  });
}
