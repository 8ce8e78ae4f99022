import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { trackHandles } from '@porta/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUpChildren, freePort, porta } from './support.js';

// The `porta` command as a person runs it: a separate process, its stdout, stderr and exit code.
trackHandles();
cleanUpChildren();

const held: (Socket | Server)[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((h) => new Promise<void>((done) => h.close(() => done()))));
});

/** Another program holding a port (the test process itself, via plain node:dgram / node:net). */
async function holdUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  held.push(socket);
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  return socket.address().port;
}
async function holdTcpPort(): Promise<number> {
  const server = createServer();
  held.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

const SLOW = 60_000;

describe('porta --help', () => {
  it(
    'lists every example and the exit codes, exit code 0',
    async () => {
      const run = porta(['--help']);
      expect(await run.exited).toBe(0);
      const text = run.stdout.join('\n');
      expect(text).toContain('Usage: porta <example> <role> [HOST] [options]');
      for (const name of ['udp-local', 'tcp-16', 'udp-remote', 'promiscuous', 'tic-tac-toe', 'tour']) {
        expect(text).toContain(`  ${name} `);
      }
      expect(text).toContain(
        'Exit codes: 0 ok, 1 network failure (nothing answered, server down), 2 usage error,',
      );
    },
    SLOW,
  );

  it(
    'tcp-16 --help shows its usage and options, exit code 0',
    async () => {
      const run = porta(['tcp-16', '--help']);
      expect(await run.exited).toBe(0);
      expect(run.stdout[0]).toBe('Usage: porta tcp-16 server|client HOST [-p PORT] [--timeout SECONDS]');
      expect(run.stdout.join('\n')).toContain('-p, --port PORT   port number (default 1060)');
    },
    SLOW,
  );
});

describe('usage errors: exit code 2', () => {
  it(
    'a bad port, in a separate process',
    async () => {
      const run = porta(['udp-local', 'server', '-p', '70000']);
      expect(await run.exited).toBe(2);
      expect(run.stderr).toEqual([
        'porta udp-local: port must be an integer from 0 to 65535, got 70000',
        'Usage: porta udp-local server|client [-p PORT] [--timeout SECONDS]',
        "Run 'porta udp-local --help' for details.",
      ]);
      expect(run.stdout).toEqual([]);
    },
    SLOW,
  );
});

describe('a busy port: exit code 3 and a port to try', () => {
  it(
    'udp-local server on a UDP port another program holds',
    async () => {
      const port = await holdUdpPort();
      const run = porta(['udp-local', 'server', '-p', String(port)]);
      expect(await run.exited).toBe(3);
      expect(run.stderr).toEqual([
        `porta udp-local: port ${port} is in use by another program: try -p ${port + 1}`,
      ]);
    },
    SLOW,
  );

  it(
    'tcp-16 servidor on a TCP port another program holds, in Portuguese',
    async () => {
      const port = await holdTcpPort();
      const run = porta(['tcp-16', 'servidor', '127.0.0.1', '-p', String(port), '--lang', 'pt']);
      expect(await run.exited).toBe(3);
      expect(run.stderr).toEqual([
        `porta tcp-16: a porta ${port} esta em uso por outro programa: tente -p ${port + 1}`,
      ]);
    },
    SLOW,
  );
});

describe('an unreachable server: exit code 1 and how to start one', () => {
  it(
    'tcp-16 client: connection refused',
    async () => {
      const port = await freePort('tcp');
      const run = porta(['tcp-16', 'client', '127.0.0.1', '-p', String(port)]);
      expect(await run.exited).toBe(1);
      expect(run.stderr).toEqual([
        `porta tcp-16: nothing answered at 127.0.0.1:${port} (connection refused); is the server running? Start one with: porta tcp-16 server 127.0.0.1 -p ${port}`,
      ]);
    },
    SLOW,
  );

  it(
    'udp-remote client: no program has the UDP port open',
    async () => {
      const port = await freePort('udp');
      const run = porta(['udp-remote', 'client', '127.0.0.1', '-p', String(port)]);
      expect(await run.exited).toBe(1);
      expect(run.stderr).toEqual([
        `porta udp-remote: nothing answered at 127.0.0.1:${port} (no program has that UDP port open); is the server running? Start one with: porta udp-remote server 127.0.0.1 -p ${port}`,
      ]);
    },
    SLOW,
  );

  it(
    'udp-local client: a silent server, given up after --timeout',
    async () => {
      const port = await holdUdpPort();
      const run = porta(['udp-local', 'client', '-p', String(port), '--timeout', '0.2']);
      expect(await run.exited).toBe(1);
      expect(run.stderr).toEqual([
        `porta udp-local: nothing answered at 127.0.0.1:${port} within 0.2 s; is the server running? Start one with: porta udp-local server -p ${port}`,
      ]);
    },
    SLOW,
  );
});

describe('a session', () => {
  it(
    'udp-local server and client, as two commands; Ctrl+C stops the server with exit code 130',
    async () => {
      const server = porta(['udp-local', 'servidor', '-p', '0', '--lang', 'pt']);
      const listening = await server.line(/^Servidor >> Escutando no IP e porta/);
      const port = /, (\d+)\)$/.exec(listening)?.[1] ?? '';
      const client = porta(['udp-local', 'cliente', '-p', port, '--lang', 'pt']);
      expect(await client.exited).toBe(0);
      expect(client.stdout[1]).toBe(
        `Cliente >> O servidor ('127.0.0.1', ${port}) respondeu 'Mensagem para o cliente: O dado enviado possui comprimento de 63 bytes'`,
      );
      await server.line(/enviou a mensagem Mensagem para o servidor: Hora atual/);
      server.process.kill('SIGINT');
      expect(await server.exited).toBe(130);
    },
    SLOW,
  );

  it(
    'tic-tac-toe between two commands, moves piped in; a refused move does not end the game',
    async () => {
      const server = porta(['tic-tac-toe', 'server', '127.0.0.1', '-p', '0']);
      const listening = await server.line(/^Tic-tac-toe >> Waiting for an opponent at/);
      const port = /, (\d+)\)$/.exec(listening)?.[1] ?? '';
      server.process.stdin?.end('5\n1\n9\n');
      const client = porta(['tic-tac-toe', 'client', '127.0.0.1', '-p', port]);
      client.process.stdin?.end('banana\n2\n3\n');
      expect(await client.exited).toBe(0);
      expect(await server.exited).toBe(0);
      expect(client.stdout).toContain(
        'Refused: malformed move: square: must be a whole number from 1 to 9, got "banana"',
      );
      expect(client.stdout.at(-1)).toBe('X wins!');
      expect(server.stdout.at(-1)).toBe('X wins!');
    },
    SLOW,
  );
});
