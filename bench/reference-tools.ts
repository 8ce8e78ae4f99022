// The physical-limit references of the transport benchmarks: iperf3 (TCP throughput) and sockperf
// (UDP ping-pong), run as child processes on loopback. Both are optional: when one is missing, or
// fails, the benchmark reports a note in its row instead of a figure (bench/install-tools.sh
// installs them).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { promisify } from 'node:util';

const HOST = '127.0.0.1';
const INSTALL_HINT = 'bench/install-tools.sh';

/** A reference figure, or why there is none (the text that goes in the table instead). */
export type Reference<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly note: string };

export interface IperfResult {
  /** Payload bytes the iperf3 server received per second. */
  readonly bytesPerSecond: number;
  readonly seconds: number;
}

export interface SockperfResult {
  readonly roundTrips: number;
  readonly seconds: number;
  readonly roundTripsPerSecond: number;
  /** Mean round trip in µs: twice sockperf's "avg-latency", which it reports as half the round trip. */
  readonly avgRoundTripUs: number;
}

/** `iperf3 -c` against `iperf3 -s -1` on 127.0.0.1 for `seconds` (whole seconds: iperf3's -t). */
export function iperf3Throughput(seconds: number): Promise<Reference<IperfResult>> {
  return withServer(
    'iperf3',
    'tcp',
    (port) => ['-s', '-1', '-B', HOST, '-p', String(port), '--forceflush'],
    /Server listening on/,
    async (port) => {
      const out = await client(
        'iperf3',
        ['-c', HOST, '-p', String(port), '-t', String(seconds), '-J'],
        seconds,
      );
      const report = JSON.parse(out) as {
        error?: string;
        end?: { sum_received?: { bits_per_second?: number; seconds?: number } };
      };
      const received = report.end?.sum_received;
      if (report.error !== undefined || received?.bits_per_second === undefined) {
        throw new Error(report.error ?? 'no end.sum_received in its JSON');
      }
      return { bytesPerSecond: received.bits_per_second / 8, seconds: received.seconds ?? seconds };
    },
  );
}

/** `sockperf ping-pong` (UDP, one message in flight) against `sockperf server` on 127.0.0.1. */
export function sockperfPingPong(seconds: number, messageSize: number): Promise<Reference<SockperfResult>> {
  return withServer(
    'sockperf',
    'udp',
    (port) => ['server', '-i', HOST, '-p', String(port)],
    /to block on socket/,
    async (port) => {
      const args = [
        'ping-pong',
        '-i',
        HOST,
        '-p',
        String(port),
        '-t',
        String(seconds),
        '-m',
        String(messageSize),
      ];
      // Colour codes wrap some of its summary lines.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
      const out = (await client('sockperf', args, seconds)).replace(/\x1b\[[0-9;]*m/g, '');
      // The counts over the "valid duration" (after sockperf's warm-up) are the rate, measured like
      // porta's: round trips completed over the time they took.
      const valid = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=\d+; ReceivedMessages=(\d+)/.exec(
        out,
      );
      const latency = /avg-latency=([\d.]+)/.exec(out);
      if (valid === null || latency === null) {
        throw new Error(out.trim().split('\n').at(-1) ?? 'no summary in its output');
      }
      const runSeconds = Number(valid[1]);
      const roundTrips = Number(valid[2]);
      return {
        roundTrips,
        seconds: runSeconds,
        roundTripsPerSecond: roundTrips / runSeconds,
        avgRoundTripUs: 2 * Number(latency[1]),
      };
    },
  );
}

/**
 * Starts `tool`'s server on a free loopback port (a fresh port if another process takes it first),
 * runs `measure` against it, and stops the server whatever happens.
 */
async function withServer<T>(
  tool: string,
  protocol: 'tcp' | 'udp',
  serverArgs: (port: number) => string[],
  ready: RegExp,
  measure: (port: number) => Promise<T>,
): Promise<Reference<T>> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(protocol);
    const server = spawn(tool, serverArgs(port), { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const started = await untilReady(server, ready);
      if (started === 'missing') return { ok: false, note: `${tool} not installed (${INSTALL_HINT})` };
      if (started !== 'ready') {
        if (attempt < 3) continue; // most likely the port was taken between freePort and the bind
        return { ok: false, note: `${tool} server did not start: ${started}` };
      }
      return { ok: true, value: await measure(port) };
    } catch (error) {
      return { ok: false, note: `${tool} failed: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      await stop(server);
    }
  }
}

/** A port the OS just handed out for 127.0.0.1 (bound to port 0, then released). */
async function freePort(protocol: 'tcp' | 'udp'): Promise<number> {
  if (protocol === 'tcp') {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, HOST, resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(0, HOST, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** 'ready' once the server prints `ready`; 'missing' if the tool is not on PATH; else why it stopped. */
function untilReady(server: ChildProcess, ready: RegExp): Promise<'ready' | 'missing' | string> {
  return new Promise((resolve) => {
    let output = '';
    const timeout = setTimeout(() => resolve(`no "${ready.source}" within 5 s`), 5_000);
    const settle = (result: string) => {
      clearTimeout(timeout);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) settle('ready');
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('error', (error: NodeJS.ErrnoException) =>
      settle(error.code === 'ENOENT' ? 'missing' : error.message),
    );
    server.once('exit', (code) => settle(`exited (${code}): ${output.trim().split('\n').at(-1) ?? ''}`));
  });
}

/** Runs a client to completion; killed if it outlives its test by 10 s. */
async function client(tool: string, args: string[], seconds: number): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(tool, args, {
    timeout: (seconds + 10) * 1000,
    killSignal: 'SIGKILL',
  });
  return stdout + stderr;
}

/** SIGTERM, then SIGKILL if the server is still there after 2 s; resolves once it has exited. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null || server.pid === undefined) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const within = (ms: number) =>
    Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref()),
    ]);
  server.kill('SIGTERM');
  if (!(await within(2_000))) {
    server.kill('SIGKILL');
    await within(1_000);
  }
}
