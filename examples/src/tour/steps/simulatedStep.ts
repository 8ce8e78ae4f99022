import { lossyExchanges } from '../simulated.js';
import { check, type StepContext, type StepOutcome } from '../step.js';

/**
 * The tour's last step: 1000 backoff clients over a lossy simulated network, in virtual time.
 *
 * @example
 * ```ts
 * const { checks } = await simulatedStep(ctx);
 * ```
 */
export function simulatedStep({ out, s, seed, text }: StepContext): Promise<StepOutcome> {
  const say = text.simulated;
  const options = { seed, clients: 1000, lossRate: 0.3, delayMs: 40 };
  const started = performance.now();
  const run = lossyExchanges(options);
  const realMs = performance.now() - started;
  const again = lossyExchanges(options);
  const answered = run.answeredOnAttempt.reduce((a, b) => a + b, 0);
  const gaveUp = say.gaveUp();
  const rows: [string, number][] = [
    ...run.answeredOnAttempt.map((n, i): [string, number] => [say.attempt(i + 1), n]),
    [gaveUp, run.gaveUp],
  ];
  const widest = Math.max(...rows.map(([, n]) => n), 1);
  const labelWidth = Math.max(22, ...rows.map(([label]) => label.length));
  for (const [label, n] of rows) {
    const bar = '█'.repeat(Math.max(n > 0 ? 1 : 0, Math.round((n / widest) * 40)));
    out(`    ${label.padEnd(labelWidth)} ${label === gaveUp ? s.bad(bar) : s.ok(bar)} ${n}`);
  }
  out(
    `    ${say.run(
      run.clients,
      options.lossRate * 100,
      options.delayMs,
      (run.virtualMs / 1000).toFixed(1),
      (realMs / 1000).toFixed(1),
    )}`,
  );
  const firstTry = (run.answeredOnAttempt[0] ?? 0) / run.clients;
  const expected = (1 - options.lossRate) ** 2;
  return Promise.resolve({
    counts: { sent: run.sent, lost: run.lost, retried: run.retried, rejected: 0, answered },
    checks: [
      check(say.everyone(answered, run.gaveUp, run.clients), answered + run.gaveUp === run.clients),
      check(say.fiveCopies(), run.answeredOnAttempt.length <= 5),
      check(
        say.firstTry((firstTry * 100).toFixed(1), options.lossRate, (expected * 100).toFixed(0)),
        Math.abs(firstTry - expected) < 0.05,
      ),
      check(say.repeatable(seed), JSON.stringify(again) === JSON.stringify(run)),
    ],
  });
}
