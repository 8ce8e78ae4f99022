import { isPortaError, ServerUnreachableError } from '@porta/core';
import { Schedule } from 'effect';
import { NEVER, Observable, of, throwError, VirtualTimeScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { fromSchedule } from '../src/effect.js';
import {
  type AttemptInfo,
  type BackoffPolicy,
  exponentialBackoff,
  jitterWait,
  type RetryInfo,
  retryBackoff,
  seededRandom,
  type TimeoutInfo,
} from '../src/index.js';

const COURSE_WAITS = [100, 200, 400, 800, 1600];

function marbles() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Runs `source` through retryBackoff in virtual time; returns the waits, timings and the outcome. */
function runVirtual<T>(source: Observable<T>, options: Parameters<typeof retryBackoff>[0] = {}) {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const attempts: AttemptInfo[] = [];
  const values: T[] = [];
  let error: unknown;
  let completedAt: number | undefined;
  let subscriptions = 0;
  const counted = new Observable<T>((subscriber) => {
    subscriptions += 1;
    return source.subscribe(subscriber);
  });
  counted
    .pipe(retryBackoff<T>({ ...options, scheduler, onAttempt: (info) => attempts.push(info) }))
    .subscribe({
      next: (v) => values.push(v),
      error: (e: unknown) => {
        error = e;
        completedAt = scheduler.now();
      },
      complete: () => {
        completedAt = scheduler.now();
      },
    });
  scheduler.flush();
  return { attempts, waits: attempts.map((a) => a.waitMs), values, error, completedAt, subscriptions };
}

describe('retryBackoff: the course defaults', () => {
  it('resubscribes at 0, 100, 300, 700 and 1500 ms and gives up at 3100 ms with SERVER_UNREACHABLE', () => {
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      const attempt = cold('-');
      const result = attempt.pipe(retryBackoff());
      const err = (e: unknown) =>
        e instanceof ServerUnreachableError && e.attempts === 5 && e.elapsedMs === 3100;
      expectObservable(result).toBe('3100ms #', undefined, expect.toSatisfy(err));
      expectSubscriptions(attempt.subscriptions).toBe([
        '^ 99ms !',
        '100ms ^ 199ms !',
        '300ms ^ 399ms !',
        '700ms ^ 799ms !',
        '1500ms ^ 1599ms !',
      ]);
    });
  });

  it('reports the waits 100, 200, 400, 800, 1600 and a message with the facts', () => {
    const run = runVirtual(NEVER);
    expect(run.waits).toEqual(COURSE_WAITS);
    expect(run.attempts.map((a) => a.elapsedMs)).toEqual([0, 100, 300, 700, 1500]);
    expect(run.completedAt).toBe(3100);
    expect(run.error).toBeInstanceOf(ServerUnreachableError);
    const error = run.error as ServerUnreachableError;
    expect(error.code).toBe('SERVER_UNREACHABLE');
    expect(error.message).toMatch(/server appears to be down/);
    expect(error.message).toMatch(/5 attempts in 3100 ms/);
    expect(error.message).toMatch(/100, 200, 400, 800, 1600/);
  });

  it('stops at the first answer: a reply to the third attempt ends the retries', () => {
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      let n = 0;
      const inner = cold('50ms (a|)');
      const attempt = new Observable<string>((s) => (++n === 3 ? inner.subscribe(s) : NEVER.subscribe(s)));
      expectObservable(attempt.pipe(retryBackoff())).toBe('350ms (a|)');
      expectSubscriptions(inner.subscriptions).toBe(['300ms ^ 49ms !']);
    });
  });

  it('passes everything after the first value through, untimed', () => {
    marbles().run(({ cold, expectObservable }) => {
      const attempt = cold('10ms a 500ms b|');
      expectObservable(attempt.pipe(retryBackoff())).toBe('10ms a 500ms b|');
    });
  });

  it('names the target in the give-up message', () => {
    const run = runVirtual(NEVER, { target: '127.0.0.1:1060' });
    expect((run.error as Error).message).toMatch(/from 127\.0\.0\.1:1060/);
  });
});

describe('retryBackoff: hooks', () => {
  it('calls onAttempt for every attempt, onTimeout for every timeout and onRetry before each retry', () => {
    const timeouts: TimeoutInfo[] = [];
    const retries: RetryInfo[] = [];
    runVirtual(NEVER, { onTimeout: (i) => timeouts.push(i), onRetry: (i) => retries.push(i) });
    expect(timeouts.map((t) => [t.attempt, t.waitMs, t.elapsedMs])).toEqual([
      [1, 100, 100],
      [2, 200, 300],
      [3, 400, 700],
      [4, 800, 1500],
      [5, 1600, 3100],
    ]);
    expect(retries.map((r) => [r.attempt, r.waitMs, r.reason])).toEqual([
      [2, 200, 'timeout'],
      [3, 400, 'timeout'],
      [4, 800, 'timeout'],
      [5, 1600, 'timeout'],
    ]);
  });
});

describe('retryBackoff: errors', () => {
  it('passes a source error through at once by default', () => {
    const boom = new Error('boom');
    const run = runVirtual(throwError(() => boom));
    expect(run.error).toBe(boom);
    expect(run.subscriptions).toBe(1);
    expect(run.completedAt).toBe(0);
  });

  it("retries an error retryOn accepts, at the end of the attempt's wait", () => {
    let n = 0;
    const source = new Observable<string>((s) => {
      n += 1;
      if (n < 3) s.error(new Error(`fail ${n}`));
      else s.next('ok');
    });
    const retries: RetryInfo[] = [];
    const run = runVirtual(source, { retryOn: () => true, onRetry: (i) => retries.push(i) });
    expect(run.values).toEqual(['ok']);
    expect(run.attempts.map((a) => a.elapsedMs)).toEqual([0, 100, 300]);
    expect(retries.map((r) => r.reason)).toEqual(['error', 'error']);
    expect((retries[0]?.error as Error).message).toBe('fail 1');
  });

  it('a source that completes without a value completes the result', () => {
    const run = runVirtual(of<string>());
    expect(run.error).toBeUndefined();
    expect(run.completedAt).toBe(0);
  });
});

describe('retryBackoff: options', () => {
  it('maxAttempts stops early', () => {
    const run = runVirtual(NEVER, { maxAttempts: 3 });
    expect(run.waits).toEqual([100, 200, 400]);
    expect((run.error as ServerUnreachableError).attempts).toBe(3);
    expect(run.completedAt).toBe(700);
  });

  it("onMaxWait 'cap' keeps retrying at maxWaitMs until maxAttempts", () => {
    const run = runVirtual(NEVER, { onMaxWait: 'cap', maxWaitMs: 500, maxAttempts: 6 });
    expect(run.waits).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it('maxElapsedMs bounds the total, shortening the last wait', () => {
    const run = runVirtual(NEVER, { onMaxWait: 'cap', maxElapsedMs: 1000 });
    expect(run.waits).toEqual([100, 200, 400, 300]);
    expect(run.completedAt).toBe(1000);
  });

  it('initialMs and factor shape the sequence', () => {
    expect(runVirtual(NEVER, { initialMs: 250, factor: 3, maxWaitMs: 5000 }).waits).toEqual([250, 750, 2250]);
  });

  it('refuses nonsense options with INVALID_ARGUMENT', () => {
    for (const bad of [{ initialMs: 0 }, { factor: 0.5 }, { maxAttempts: 1.5 }, { maxWaitMs: -1 }]) {
      expect(() => retryBackoff(bad)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('unsubscribing cancels the attempt and its timer', () => {
    const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
    let subscriptions = 0;
    let unsubscriptions = 0;
    const source = new Observable<never>(() => {
      subscriptions += 1;
      return () => {
        unsubscriptions += 1;
      };
    });
    const sub = source.pipe(retryBackoff({ scheduler })).subscribe();
    scheduler.maxFrames = 150;
    scheduler.flush();
    sub.unsubscribe();
    scheduler.maxFrames = Number.POSITIVE_INFINITY;
    scheduler.flush();
    expect([subscriptions, unsubscriptions]).toEqual([2, 2]);
    expect(scheduler.actions).toHaveLength(0);
  });
});

describe('retryBackoff: jitter', () => {
  it("'equal' keeps every wait within [base/2, base] and the course's attempt count", () => {
    const run = runVirtual(NEVER, { jitter: 'equal', random: seededRandom(3) });
    expect(run.waits).toHaveLength(5);
    run.waits.forEach((w, i) => {
      const base = COURSE_WAITS[i] ?? 0;
      expect(w).toBeGreaterThanOrEqual(base / 2);
      expect(w).toBeLessThanOrEqual(base);
    });
  });

  it('computes the AWS formulas from the random draw', () => {
    const half = () => 0.5;
    const input = { base: 400, initial: 100, previous: 200, cap: 2000, random: half };
    expect(jitterWait({ ...input, mode: 'none' })).toBe(400);
    expect(jitterWait({ ...input, mode: 'full' })).toBe(200);
    expect(jitterWait({ ...input, mode: 'equal' })).toBe(300);
    expect(jitterWait({ ...input, mode: 'decorrelated' })).toBe(100 + 0.5 * (600 - 100));
    expect(jitterWait({ ...input, mode: 'decorrelated', previous: 1000, random: () => 0.99 })).toBe(2000);
  });
});

describe('retryBackoff: an Effect Schedule as the policy (@porta/reliability/effect)', () => {
  it('exponential(100 millis) ∩ recurs(4) gives the course: waits 100…1600, five sends, give up at 3100', () => {
    const schedule = Schedule.exponential('100 millis').pipe(Schedule.intersect(Schedule.recurs(4)));
    const run = runVirtual(NEVER, { policy: fromSchedule(schedule) });
    expect(run.waits).toEqual(COURSE_WAITS);
    expect(run.subscriptions).toBe(5);
    expect(run.completedAt).toBe(3100);
    expect(isPortaError(run.error, 'SERVER_UNREACHABLE')).toBe(true);
  });

  it('a bare Schedule is refused before any send, with the subpath that adapts it in the message', () => {
    const schedule = Schedule.recurs(2) as unknown as BackoffPolicy;
    expect(() => retryBackoff({ policy: schedule })).toThrow(/fromSchedule from @porta\/reliability\/effect/);
    expect(() => retryBackoff({ policy: {} as BackoffPolicy })).toThrow(/must be a BackoffPolicy/);
  });

  it('fromSchedule takes an explicit final wait', () => {
    const policy = fromSchedule(Schedule.spaced('250 millis').pipe(Schedule.intersect(Schedule.recurs(2))), {
      finalWaitMs: 50,
    });
    expect(runVirtual(NEVER, { policy }).waits).toEqual([250, 250, 50]);
  });

  it('the pure policy and the schedule agree step by step', () => {
    const a = exponentialBackoff().start();
    const b = fromSchedule(
      Schedule.exponential('100 millis').pipe(Schedule.intersect(Schedule.recurs(4))),
    ).start();
    let now = 0;
    for (let attempt = 1; attempt <= 6; attempt++) {
      const wa = a.next({ attempt, elapsedMs: now, now });
      const wb = b.next({ attempt, elapsedMs: now, now });
      expect(wb).toBe(wa);
      now += wa ?? 0;
    }
  });
});
