import { readFileSync } from 'node:fs';
import { trackHandles } from '@porta/core/testing';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/cli/registry.js';
import { ExitCode } from '../src/index.js';
import { runPorta as run } from './support.js';

trackHandles();

// The `porta` command's own words about its command line, in-process.

const examplesVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('porta --version', () => {
  it("prints the examples package's version alone on stdout, exit code 0", async () => {
    const { code, out, err } = await run(['--version']);
    expect(code).toBe(ExitCode.Ok);
    expect(out).toEqual([examplesVersion]);
    expect(err).toEqual([]);
  });

  it('is listed in the general help', async () => {
    const { out } = await run(['--help']);
    expect(out.join('\n')).toContain('--version     print the version of porta and exit');
  });
});

describe('parse errors in the CLI’s own words (exit code 2, with the usage)', () => {
  it('-p -1: the port rule, not parseArgs’ "ambiguous argument"', async () => {
    const { code, out, err } = await run(['udp-local', 'server', '-p', '-1']);
    expect(code).toBe(ExitCode.Usage);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'porta udp-local: port must be an integer from 0 to 65535, got -1',
      'Usage: porta udp-local server|client [-p PORT] [--timeout SECONDS]',
      "Run 'porta udp-local --help' for details.",
    ]);
  });

  it.each([
    [['udp-local', 'client', '--timeout'], 'porta udp-local: option --timeout needs a value'],
    [['promiscuous', 'client', '--naive=yes'], 'porta promiscuous: option --naive takes no value'],
    [['tcp-16', 'server', '127.0.0.1', '-x'], 'porta tcp-16: unknown option -x'],
    [['udp-local', 'server', '--constructor'], 'porta udp-local: unknown option --constructor'],
    [['udp-local', 'server', '--port='], 'porta udp-local: port must be an integer from 0 to 65535, got ""'],
    [
      ['udp-local', 'server', '--port=-5'],
      'porta udp-local: port must be an integer from 0 to 65535, got -5',
    ],
    [
      ['udp-remote', 'server', '127.0.0.1', '--seed', '1.5'],
      'porta udp-remote: --seed must be an integer, got 1.5',
    ],
    [
      ['udp-local', 'client', '--timeout', '-1'],
      'porta udp-local: --timeout must be a number of seconds, got -1',
    ],
    [
      ['tcp-16', 'client', '127.0.0.1', '--timeout', ''],
      'porta tcp-16: --timeout must be a number of seconds, got ""',
    ],
    [['udp-local', '--lang'], 'porta: option --lang needs a value'],
    [
      ['-p', '1060', 'udp-local'],
      'porta: unknown option -p before the example: give the example first, e.g. porta udp-local server -p 1060',
    ],
  ])('%j → %s', async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(ExitCode.Usage);
    expect(err[0]).toBe(message);
    expect(err.join('\n')).not.toMatch(/ambiguous|To specify|ERR_PARSE_ARGS/);
  });
});

describe('each command’s help lists only the options it uses', () => {
  it('the tour takes no port: its help leaves -p out and -p is refused', async () => {
    const help = await run(['tour', '--help']);
    expect(help.out.join('\n')).not.toMatch(/-p\b|--port|PORT/);
    expect(help.out.join('\n')).toContain('--lang en|pt');
    const refused = await run(['tour', '-p', '5']);
    expect(refused.code).toBe(ExitCode.Usage);
    expect(refused.err[0]).toBe('porta tour: unknown option -p');
  });

  it.each(
    commands.filter((c) => c.usesPort !== false).map((c) => c.name),
  )('%s takes -p and its help says so', async (name) => {
    const { out } = await run([name, '--help']);
    expect(out.join('\n')).toContain('-p, --port PORT   port number (default 1060)');
  });

  it('tcp-16 --help documents the client’s --timeout and its default', async () => {
    const { out } = await run(['tcp-16', '--help']);
    expect(out.join('\n').split('\n')[0]).toBe(
      'Usage: porta tcp-16 server|client HOST [-p PORT] [--timeout SECONDS]',
    );
    expect(out.join('\n')).toContain(
      '--timeout SECONDS  client: how long the whole exchange may take (default 5)',
    );
  });
});
