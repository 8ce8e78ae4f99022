import { type Endpoint, isPortaError, sameEndpoint } from '@porta/core';
import { catchError, firstValueFrom, lastValueFrom, map, of, tap, toArray } from 'rxjs';
import { lengthReply } from '../lengthServer.js';
import { type Lang, type Log, messages } from '../messages.js';
import { FAKE, promiscuousDemo } from '../promiscuous.js';
import { pyAddress } from '../python.js';
import { CLIENT_MESSAGE, SERVER_MESSAGE, tcp16Client, tcp16Server } from '../tcp16.js';
import { boardFromString, renderBoard } from '../ticTacToe/game.js';
import {
  scriptedPlayer,
  type TicTacToeEvent,
  ticTacToeClient,
  ticTacToeServer,
} from '../ticTacToe/ticTacToe.js';
import { udpLocalClient, udpLocalServer } from '../udpLocal.js';
import { REMOTE_REQUEST, udpRemoteClient, udpRemoteServer } from '../udpRemote.js';
import { withServer } from '../withServer.js';
import { kcpExchange16 } from './kcpExchange.js';
import { lossyExchanges } from './simulated.js';
import { style as makeStyle, type Style } from './style.js';
import { addCounts, type Counts, NO_COUNTS, summaryTable } from './table.js';
import { type AttemptSpan, drawTimeline } from './timeline.js';

/** Options of {@link runTour}. */
export interface TourOptions {
  /** Language of the examples' own lines (default `en`; `pt` prints the course's messages). */
  readonly lang?: Lang;
  /** Where the tour writes (default `console.log`). */
  readonly out?: Log;
  /** ANSI colours (default: only when stdout is a terminal). */
  readonly color?: boolean;
  /**
   * Seed of the lossy `udp-remote` server (default 9: with Python's generator it drops the first
   * three requests, so the client prints the course's 0.1, 0.2, 0.4, 0.8 s waits).
   */
  readonly seed?: number;
}

/** One check the tour made, and whether it held. */
export interface TourCheck {
  readonly label: string;
  readonly ok: boolean;
}

/** One step of the tour. */
export interface TourStep {
  readonly name: string;
  readonly counts: Counts;
  readonly checks: readonly TourCheck[];
  readonly ok: boolean;
}

/** What the tour found. `ok` only if every check of every step held. */
export interface TourReport {
  readonly ok: boolean;
  readonly steps: readonly TourStep[];
  readonly totals: Counts;
  readonly elapsedMs: number;
}

interface StepContext {
  readonly lang: Lang;
  readonly log: Log;
  readonly out: Log;
  readonly s: Style;
  readonly seed: number;
}

interface StepOutcome {
  readonly counts: Counts;
  readonly checks: readonly TourCheck[];
}

const check = (label: string, ok: boolean): TourCheck => ({ label, ok });

/**
 * `udp_local.py`'s request: the text and Python's `str(datetime.now())`, 63 bytes, or 56 in the
 * one millisecond in a thousand whose fraction is zero (Python leaves it out).
 */
const COURSE_TIME_REQUEST = /^Mensagem para o servidor: Hora atual \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/;

async function udpLocalStep({ lang, log }: StepContext): Promise<StepOutcome> {
  const { exchange, server } = await firstValueFrom(
    withServer(udpLocalServer({ port: 0, lang, log }), (server) =>
      udpLocalClient({ port: server.port, bindAddress: '127.0.0.1', lang, log }).pipe(
        map((exchange) => ({ exchange, server })),
      ),
    ),
  );
  return {
    counts: { ...NO_COUNTS, sent: 1, answered: 1 },
    checks: [
      check(
        `the request is the course's ${exchange.request.length}-byte text`,
        COURSE_TIME_REQUEST.test(exchange.request),
      ),
      check(
        `the reply gives that length: "${exchange.reply}"`,
        exchange.reply === lengthReply(exchange.request.length),
      ),
      check(`the reply came from the server ${pyAddress(server)}`, sameEndpoint(exchange.from, server)),
    ],
  };
}

async function tcp16Step({ lang, log }: StepContext): Promise<StepOutcome> {
  let received = '';
  const exchange = await firstValueFrom(
    withServer(
      tcp16Server({ port: 0, lang, log }).pipe(
        tap((e) => {
          if (e.type === 'answered') received = new TextDecoder().decode(e.message);
        }),
      ),
      (server) => tcp16Client({ port: server.port, lang, log }),
    ),
  );
  const reply = new TextDecoder().decode(exchange.reply);
  return {
    counts: { ...NO_COUNTS, sent: 1, answered: 1 },
    checks: [
      check(`the server read exactly 16 octets: '${received}'`, received === CLIENT_MESSAGE),
      check(`the client read exactly 16 octets back: '${reply}'`, reply === SERVER_MESSAGE),
    ],
  };
}

/**
 * Runs the backoff client against a server that pretends to drop `dropRate` of the requests, records
 * when everything happened, draws the timeline of the waits and counts the datagrams.
 */
async function backoffRun(ctx: StepContext, dropRate: number) {
  const { lang, log } = ctx;
  const spans = new Map<
    number,
    { attempt: number; sentAt: number; waitMs: number; droppedAt?: number; answeredAt?: number }
  >();
  let current = 0;
  let dropped = 0;
  let t0 = 0;
  const now = () => performance.now() - t0;
  const server = udpRemoteServer({ port: 0, lang, log, seed: ctx.seed, dropRate }).pipe(
    tap((e) => {
      if (e.type !== 'dropped') return;
      dropped++;
      const span = spans.get(current);
      if (span) span.droppedAt = now();
    }),
  );
  const outcome = await lastValueFrom(
    withServer(server, (local) =>
      udpRemoteClient({ port: local.port, lang, log }).pipe(
        tap((e) => {
          if (e.type === 'connected') t0 = performance.now();
          if (e.type === 'sent') {
            current = e.attempt;
            spans.set(e.attempt, { attempt: e.attempt, sentAt: now(), waitMs: e.waitMs });
          }
          if (e.type === 'answered') {
            const span = spans.get(e.attempt);
            if (span) span.answeredAt = now();
          }
        }),
        toArray(),
        map((events) => ({ events, error: undefined as unknown })),
        catchError((error: unknown) => of({ events: [], error })),
      ),
    ),
  );
  const attempts: AttemptSpan[] = [...spans.values()];
  ctx.out('');
  for (const line of drawTimeline(attempts, { style: ctx.s })) ctx.out(`    ${line}`);
  const answered = attempts.find((a) => a.answeredAt !== undefined);
  const counts: Counts = {
    sent: attempts.length,
    lost: dropped,
    retried: attempts.length - 1,
    rejected: 0,
    answered: answered ? 1 : 0,
  };
  const waits = attempts.map((a) => a.waitMs);
  const waitsInSeconds = waits.map((w) => (w / 1000).toFixed(1)).join(', ');
  return { answered, dropped, waits, waitsInSeconds, counts, ...outcome };
}

async function udpRemoteStep(ctx: StepContext): Promise<StepOutcome> {
  const run = await backoffRun(ctx, 0.5);
  return {
    counts: run.counts,
    checks: [
      check(`seed ${ctx.seed}: the server pretended to drop ${run.dropped} requests`, run.dropped >= 1),
      check(
        `each wait doubled: ${run.waitsInSeconds} s`,
        run.waits.every((w, i) => w === 100 * 2 ** i),
      ),
      check(
        `the client got its answer on attempt ${run.answered?.attempt ?? '-'}`,
        run.answered?.attempt === run.dropped + 1 &&
          run.events.some((e) => e.type === 'answered' && e.reply === lengthReply(REMOTE_REQUEST.length)),
      ),
    ],
  };
}

async function serverDownStep(ctx: StepContext): Promise<StepOutcome> {
  const lines: string[] = [];
  const log: Log = (line) => {
    lines.push(line);
    ctx.log(line);
  };
  const run = await backoffRun({ ...ctx, log }, 1);
  const down = messages(ctx.lang).udpRemote.down();
  return {
    counts: run.counts,
    checks: [
      check(
        `waits 0.1, 0.2, 0.4, 0.8, 1.6 s, then no more: ${run.waitsInSeconds}`,
        run.waits.join() === '100,200,400,800,1600',
      ),
      check(`gave up with SERVER_UNREACHABLE`, isPortaError(run.error, 'SERVER_UNREACHABLE')),
      check(`printed the course's "${down}"`, lines.includes(down)),
    ],
  };
}

async function promiscuousStep(ctx: StepContext): Promise<StepOutcome> {
  const { lang, log, out, s } = ctx;
  const demo = await firstValueFrom(promiscuousDemo({ lang, log }));
  const { naive, hardened, server } = demo;
  out('');
  for (const r of hardened.rejections) {
    out(`    ${s.bad('⊘')} spoof from ${pyAddress(r.from)} carrying '${r.text}' rejected: ${r.reason}`);
  }
  const fromServer = (e: Endpoint) => sameEndpoint(e, server);
  return {
    counts: { sent: 2, lost: 0, retried: 0, rejected: hardened.rejections.length, answered: 1 },
    checks: [
      check(
        `the naive client accepted '${naive.exchange.reply}' from a stranger`,
        naive.exchange.reply === FAKE && !fromServer(naive.exchange.from),
      ),
      check(
        `porta's client rejected all ${hardened.spoofs.length} spoofs`,
        hardened.spoofs.length >= 1 && hardened.rejections.length === hardened.spoofs.length,
      ),
      check(
        `and took the real reply from ${pyAddress(server)}`,
        fromServer(hardened.exchange.from) &&
          hardened.exchange.reply === lengthReply(hardened.exchange.request.length),
      ),
    ],
  };
}

async function ticTacToeStep({ lang, log, out }: StepContext): Promise<StepOutcome> {
  const quiet: Log = () => {};
  const serverEvents: TicTacToeEvent[] = [];
  // X (server) plays 5, 1, 9; O types a word, then a taken square, then 2 and 3: X wins on the diagonal.
  const clientEvents = await lastValueFrom(
    withServer(
      ticTacToeServer({ port: 0, lang, log: quiet, player: scriptedPlayer(['5', '1', '9']) }).pipe(
        tap((e) => serverEvents.push(e)),
      ),
      (server) =>
        ticTacToeClient({
          port: server.port,
          lang,
          log: quiet,
          player: scriptedPlayer(['banana', '5', '2', '3']),
        }).pipe(toArray()),
    ),
  );
  for (const e of serverEvents) {
    if (e.type === 'moved') log(`${e.mark} plays ${e.square}`);
    if (e.type === 'refused') log(`${e.mark}'s move refused: ${e.reason}`);
  }
  const over = clientEvents.find((e) => e.type === 'over');
  if (over?.type === 'over')
    for (const line of renderBoard(boardFromString(over.board)).split('\n')) out(`      ${line}`);
  const refused = serverEvents.filter((e) => e.type === 'refused');
  const moves = serverEvents.filter((e) => e.type === 'moved' && e.mark === 'O');
  return {
    // O's lines: each was either refused or played, so sent = rejected + answered.
    counts: {
      sent: refused.length + moves.length,
      lost: 0,
      retried: 0,
      rejected: refused.length,
      answered: moves.length,
    },
    checks: [
      check(
        'a malformed move got an error and the game went on',
        refused.some((e) => e.type === 'refused' && e.reason.startsWith('malformed')),
      ),
      check(
        'an illegal move (a taken square) got an error',
        refused.some((e) => e.type === 'refused' && e.reason.includes('taken')),
      ),
      check(
        'X won, and both terminals saw the same board',
        over?.type === 'over' &&
          over.result === 'X' &&
          serverEvents.some((e) => e.type === 'over' && e.board === over.board),
      ),
    ],
  };
}

function simulatedStep({ out, s, seed }: StepContext): Promise<StepOutcome> {
  const options = { seed, clients: 1000, lossRate: 0.3, delayMs: 40 };
  const started = performance.now();
  const run = lossyExchanges(options);
  const realMs = performance.now() - started;
  const again = lossyExchanges(options);
  const answered = run.answeredOnAttempt.reduce((a, b) => a + b, 0);
  const rows: [string, number][] = [
    ...run.answeredOnAttempt.map((n, i): [string, number] => [`answered on attempt ${i + 1}`, n]),
    ['gave up', run.gaveUp],
  ];
  const widest = Math.max(...rows.map(([, n]) => n), 1);
  for (const [label, n] of rows) {
    const bar = '█'.repeat(Math.max(n > 0 ? 1 : 0, Math.round((n / widest) * 40)));
    out(`    ${label.padEnd(22)} ${label === 'gave up' ? s.bad(bar) : s.ok(bar)} ${n}`);
  }
  out(
    `    ${run.clients} clients, ${options.lossRate * 100}% loss each way, ${options.delayMs} ms each way: ` +
      `${(run.virtualMs / 1000).toFixed(1)} s of virtual time in ${(realMs / 1000).toFixed(1)} s`,
  );
  const firstTry = (run.answeredOnAttempt[0] ?? 0) / run.clients;
  const expected = (1 - options.lossRate) ** 2;
  return Promise.resolve({
    counts: { sent: run.sent, lost: run.lost, retried: run.retried, rejected: 0, answered },
    checks: [
      check(
        `every client was answered or gave up: ${answered} + ${run.gaveUp} = ${run.clients}`,
        answered + run.gaveUp === run.clients,
      ),
      check("nobody sent more than the course's five copies", run.answeredOnAttempt.length <= 5),
      check(
        `${(firstTry * 100).toFixed(1)}% answered at once, as (1 - ${options.lossRate})² = ${(expected * 100).toFixed(0)}% predicts`,
        Math.abs(firstTry - expected) < 0.05,
      ),
      check(`the same seed (${seed}) gives the same run`, JSON.stringify(again) === JSON.stringify(run)),
    ],
  });
}

function kcpStep({ out, s }: StepContext): Promise<StepOutcome> {
  const run = kcpExchange16();
  const again = kcpExchange16();
  for (const line of drawTimeline(run.spans, {
    style: s,
    answered: 'acknowledged',
    legend: 'S send   x lost   · waiting   T retransmission timeout   ✓ acknowledged',
  })) {
    out(`    ${line}`);
  }
  out(
    `    ${run.datagrams} datagrams, ${run.lost} lost; ${run.segments} data segments, ` +
      `${run.retransmissions} retransmissions; ${(run.virtualMs / 1000).toFixed(2)} s of virtual time`,
  );
  const ok = run.request === CLIENT_MESSAGE && run.reply === SERVER_MESSAGE;
  return Promise.resolve({
    counts: {
      sent: run.segments,
      lost: run.lost,
      retried: run.retransmissions,
      rejected: 0,
      answered: ok ? 1 : 0,
    },
    checks: [
      check(`the server read exactly ${pyBytes(run.request)}`, run.request === CLIENT_MESSAGE),
      check(`the client read exactly ${pyBytes(run.reply)}`, run.reply === SERVER_MESSAGE),
      check(
        `KCP retransmitted what the network lost (${run.lost} datagrams lost, ${run.retransmissions} retransmissions)`,
        run.lost > 0 && run.retransmissions >= 1,
      ),
      check('the same seed gives the same run', JSON.stringify(again) === JSON.stringify(run)),
    ],
  });
}

const pyBytes = (text: string) => `b'${text}'`;

const STEPS: readonly { name: string; title: string; run: (ctx: StepContext) => Promise<StepOutcome> }[] = [
  {
    name: 'udp-local',
    title: 'udp-local: the server answers with the length of what it got',
    run: udpLocalStep,
  },
  { name: 'tcp-16', title: 'tcp-16: sixteen octets each way, read with recvall(16)', run: tcp16Step },
  {
    name: 'udp-remote',
    title: 'udp-remote: a server that pretends to drop half the requests',
    run: udpRemoteStep,
  },
  {
    name: 'server down',
    title: 'udp-remote: a server that drops every request, as good as down',
    run: serverDownStep,
  },
  { name: 'promiscuous', title: 'promiscuous clients: a stranger answers first', run: promiscuousStep },
  { name: 'tic-tac-toe', title: 'tic-tac-toe: a remote game with a referee', run: ticTacToeStep },
  {
    name: 'kcp-tunnel',
    title: 'tcp-16 through KCP + smux, over a simulated network that loses 30% each way',
    run: kcpStep,
  },
  {
    name: 'simulated',
    title: 'the backoff client at scale: 1000 requests over a lossy simulated network, in virtual time',
    run: simulatedStep,
  },
];

/**
 * The tour: every example on loopback, in this process, on ephemeral ports; each step checks that
 * it did what the course says, then a summary table. Resolves to the report (`ok` only if every
 * check held); never rejects — an unexpected error is a failed check.
 *
 * @example
 * ```ts
 * const report = await runTour();
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 */
export async function runTour(options: TourOptions = {}): Promise<TourReport> {
  const out = options.out ?? ((line: string) => console.log(line));
  const s = makeStyle(options.color ?? process.stdout.isTTY === true);
  const ctx: StepContext = {
    lang: options.lang ?? 'en',
    out,
    log: (line) => out(`    ${s.dim('│')} ${line.replaceAll('\n', `\n    ${s.dim('│')} `)}`),
    s,
    seed: options.seed ?? 9,
  };
  const started = performance.now();
  out(s.bold('porta tour: the sockets course on loopback, one example at a time'));
  const steps: TourStep[] = [];
  for (const [i, step] of STEPS.entries()) {
    out('');
    out(s.bold(`${i + 1}. ${step.title}`));
    let outcome: StepOutcome;
    try {
      outcome = await step.run(ctx);
    } catch (error) {
      outcome = {
        counts: NO_COUNTS,
        checks: [check(`unexpected error: ${(error as Error).message}`, false)],
      };
    }
    out('');
    for (const c of outcome.checks) out(`  ${c.ok ? s.ok('✓') : s.bad('✗')} ${c.label}`);
    steps.push({ name: step.name, ...outcome, ok: outcome.checks.every((c) => c.ok) });
  }
  const ok = steps.every((step) => step.ok);
  const totals = steps.reduce((sum, step) => addCounts(sum, step.counts), NO_COUNTS);
  const elapsedMs = performance.now() - started;
  out('');
  out(s.bold('Summary'));
  const mark = (good: boolean) => (good ? s.ok('ok') : s.bad('FAILED'));
  for (const line of summaryTable(
    steps.map((st) => ({ step: st.name, counts: st.counts, ok: st.ok })),
    mark,
  )) {
    out(line);
  }
  out('');
  const failed = steps.filter((st) => !st.ok).map((st) => st.name);
  out(
    ok
      ? s.ok(`Every step did what the course says (${(elapsedMs / 1000).toFixed(1)} s).`)
      : s.bad(`Deviations from the course in: ${failed.join(', ')}.`),
  );
  return { ok, steps, totals, elapsedMs };
}
