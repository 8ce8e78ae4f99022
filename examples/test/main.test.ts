import { createSocket } from 'node:dgram';
import { SocketError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/exitCodes.js';
import { diagnose } from '../src/cli/failure.js';
import { main } from '../src/cli/main.js';
import { runPorta as run } from './support.js';

trackHandles();

// The `porta` command's argument handling, in-process (the spawned-process tests are in cli.test.ts).

describe('porta (argument handling)', () => {
  it.each([
    'udp-local',
    'tcp-16',
    'udp-remote',
    'promiscuous',
    'tic-tac-toe',
    'tour',
  ])('%s --help and -h show its usage and the common options, exit code 0', async (name) => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = await run([name, flag]);
      expect(code).toBe(ExitCode.Ok);
      expect(err).toEqual([]);
      expect(out.join('\n')).toMatch(new RegExp(`^Usage: porta ${name}`));
      expect(out.join('\n')).toContain('--lang en|pt');
    }
  });

  it('no arguments: the general help on stderr, exit code 2', async () => {
    const { code, err } = await run([]);
    expect(code).toBe(ExitCode.Usage);
    expect(err.join('\n')).toContain('Usage: porta <example> <role> [HOST] [options]');
  });

  it.each([
    [
      ['udp-local', 'server', '-p', '70000'],
      'porta udp-local: port must be an integer from 0 to 65535, got 70000',
    ],
    [
      ['udp-local', 'server', '-p', '1.5'],
      'porta udp-local: port must be an integer from 0 to 65535, got 1.5',
    ],
    [
      ['tcp-16', 'client', '127.0.0.1', '-p', 'abc'],
      'porta tcp-16: port must be an integer from 0 to 65535, got abc',
    ],
    [
      ['tcp-16', 'client', '127.0.0.1', '-p', '0'],
      "porta tcp-16: a client needs the server's port: -p 0 only makes sense for a server",
    ],
    [['tcp-16', 'client'], 'porta tcp-16: missing HOST (e.g. 127.0.0.1)'],
    [['tcp-16', 'client', '127.0.0.1', 'extra'], 'porta tcp-16: unexpected argument "extra"'],
    [
      ['udp-remote', 'browser', '127.0.0.1'],
      'porta udp-remote: unknown role "browser": expected server or client (servidor/cliente)',
    ],
    [
      ['udp-remote', 'server', '127.0.0.1', '--seed', 'x'],
      'porta udp-remote: --seed must be an integer, got x',
    ],
    [['udp-local', 'server', '--lang', 'fr'], 'porta: --lang must be en or pt, got fr'],
    [
      ['udp-local', 'client', '--timeout', 'soon'],
      'porta udp-local: --timeout must be a number of seconds, got soon',
    ],
    [['tic-tac-toe'], 'porta tic-tac-toe: missing role: server or client'],
    [
      ['promiscuous', 'attack', '99999'],
      'porta promiscuous: CLIENT_PORT must be an integer from 1 to 65535, got 99999',
    ],
    [['promiscuous', 'attack'], 'porta promiscuous: missing CLIENT_PORT: the port number the client printed'],
    [
      ['promiscuous', 'attack', '5000', '-p', '5000'],
      "porta promiscuous: attack takes the client's port as CLIENT_PORT, not -p: porta promiscuous attack 50339",
    ],
    [
      ['promiscuous', 'attack', '5000', '--host', 'no-such-host.invalid'],
      'porta promiscuous: cannot resolve host "no-such-host.invalid": give an IP address such as 127.0.0.1',
    ],
    [
      ['promiscuous', 'sniff'],
      'porta promiscuous: unknown role "sniff": expected demo, server, client or attack',
    ],
    [
      ['nope'],
      'porta: unknown example "nope": expected one of udp-local, tcp-16, udp-remote, promiscuous, tic-tac-toe, kcp-tunnel, impair, tour',
    ],
  ])('%j is a usage error (exit code 2)', async (args, message) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(ExitCode.Usage);
    expect(err[0]).toBe(message);
    expect(out).toEqual([]);
  });

  it('an unknown option is a usage error naming it', async () => {
    const { code, err } = await run(['udp-local', 'server', '--colour']);
    expect(code).toBe(ExitCode.Usage);
    expect(err[0]).toBe('porta udp-local: unknown option --colour');
  });

  it('servidor is accepted as a role; Ctrl+C closes the server with exit code 130', async () => {
    const out: string[] = [];
    const code = await main(['udp-local', 'servidor', '-p', '0', '--lang', 'pt'], {
      out: (l) => out.push(l),
      err: () => {},
      stdin: process.stdin,
      interrupt: timer(200),
      isTTY: false,
    });
    expect(code).toBe(ExitCode.Interrupted);
    expect(out[0]).toMatch(/^Servidor >> Escutando no IP e porta \('127\.0\.0\.1', \d+\)$/);
  });

  it("a host name is looked up, as the course's programs do: tcp-16 server localhost listens on 127.0.0.1", async () => {
    const out: string[] = [];
    const code = await main(['tcp-16', 'server', 'localhost', '-p', '0'], {
      out: (l) => out.push(l),
      err: (l) => out.push(`stderr: ${l}`),
      stdin: process.stdin,
      interrupt: timer(200),
      isTTY: false,
    });
    expect(code).toBe(ExitCode.Interrupted);
    expect(out[0]).toMatch(/^Listening at \('127\.0\.0\.1', \d+\)$/);
  });

  it('promiscuous attack --host localhost sends FAKE to 127.0.0.1', async () => {
    const victim = createSocket('udp4');
    try {
      await new Promise<void>((done) => victim.bind(0, '127.0.0.1', done));
      const received = new Promise<string>((done) =>
        victim.once('message', (m) => done(m.toString('ascii'))),
      );
      const { code, err } = await run([
        'promiscuous',
        'attack',
        String(victim.address().port),
        '--host',
        'localhost',
      ]);
      expect(err).toEqual([]);
      expect(code).toBe(ExitCode.Ok);
      expect(await received).toBe('FAKE');
    } finally {
      await new Promise<void>((done) => victim.close(() => done()));
    }
  });

  it('a well-known port refused by the OS (EACCES) is explained, with a port to use instead', () => {
    const denied = new SocketError('UDP bind failed: bind EACCES 127.0.0.1:80', 'EACCES');
    expect(diagnose(denied, { lang: 'en', command: 'udp-local', port: 80 })).toEqual({
      message:
        'port 80 needs administrator rights (ports 1-1023 are well-known ports): use a port from 1024 up, such as -p 1060',
      exitCode: ExitCode.Failure,
    });
    // Any other socket failure keeps the OS's own words.
    const other = new SocketError('UDP bind failed: bind EPERM 127.0.0.1:80', 'EPERM');
    expect(diagnose(other, { lang: 'en', command: 'udp-local', port: 80 }).message).toBe(other.message);
  });
});
