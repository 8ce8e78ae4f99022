import { Multicast } from '@porta/core/transport';
import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';

describe('Multicast', () => {
  it('gives each value to every current subscriber in subscription order, and says when it is observed', () => {
    const m = new Multicast<number>();
    const seen: string[] = [];
    expect(m.observed).toBe(false);
    const a = m.observable.subscribe((v) => seen.push(`a${v}`));
    m.observable.subscribe((v) => seen.push(`b${v}`));
    expect(m.observed).toBe(true);
    m.next(1);
    a.unsubscribe();
    m.next(2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('a subscriber added during a value gets the next one; one removed during it gets no more (as with Subject)', () => {
    const m = new Multicast<number>();
    const seen: string[] = [];
    let lateAdded = false;
    let second: Subscription | undefined;
    m.observable.subscribe((v) => {
      seen.push(`first${v}`);
      second?.unsubscribe();
      if (!lateAdded) m.observable.subscribe((w) => seen.push(`late${w}`));
      lateAdded = true;
    });
    second = m.observable.subscribe((v) => seen.push(`second${v}`));
    m.next(1);
    m.next(2);
    expect(seen).toEqual(['first1', 'first2', 'late2']);
  });

  it('complete ends every subscriber once; a later subscriber completes at once; next after it does nothing', () => {
    const m = new Multicast<number>();
    const seen: string[] = [];
    m.observable.subscribe({ next: (v) => seen.push(`v${v}`), complete: () => seen.push('done') });
    m.complete();
    m.complete();
    m.error(new Error('too late'));
    m.next(1);
    m.observable.subscribe({ complete: () => seen.push('late done') });
    expect(seen).toEqual(['done', 'late done']);
    expect(m.observed).toBe(false);
  });

  it('error fails every subscriber, and a later one with the same error', () => {
    const m = new Multicast<number>();
    const boom = new Error('boom');
    const errors: unknown[] = [];
    m.observable.subscribe({ error: (e: unknown) => errors.push(e) });
    m.error(boom);
    m.observable.subscribe({ error: (e: unknown) => errors.push(e) });
    expect(errors).toEqual([boom, boom]);
  });
});
