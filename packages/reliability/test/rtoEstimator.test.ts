import { endpoint } from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtoEstimator, RtoTable } from '../src/index.js';

describe('RtoEstimator: RFC 6298 by hand', () => {
  it('R = 100 ms → SRTT 100, RTTVAR 50, RTO 300; a second 100 ms sample → RTTVAR 37.5, RTO 250', () => {
    const rto = new RtoEstimator();
    expect(rto.rto).toBe(100);
    expect(rto.srtt).toBeUndefined();
    expect(rto.sample(100)).toBe(300);
    expect([rto.srtt, rto.rttvar]).toEqual([100, 50]);
    expect(rto.sample(100)).toBe(250);
    expect([rto.srtt, rto.rttvar]).toEqual([100, 37.5]);
  });

  it('updates RTTVAR with the old SRTT: 100 then 200 → RTTVAR 62.5, SRTT 112.5, RTO 362.5', () => {
    const rto = new RtoEstimator();
    rto.sample(100);
    // RTTVAR = 3/4·50 + 1/4·|100 − 200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5
    expect(rto.sample(200)).toBe(362.5);
    expect([rto.srtt, rto.rttvar]).toEqual([112.5, 62.5]);
  });

  it('G applies when 4·RTTVAR is smaller: constant 10 ms samples converge to SRTT + G, floored by minRto', () => {
    const rto = new RtoEstimator({ minRtoMs: 0, granularityMs: 5 });
    for (let i = 0; i < 200; i++) rto.sample(10);
    expect(rto.rto).toBeCloseTo(15, 6);
    const floored = new RtoEstimator();
    for (let i = 0; i < 200; i++) floored.sample(10);
    expect(floored.rto).toBe(100);
  });

  it('backoff doubles up to maxRto; the next sample recomputes from SRTT/RTTVAR', () => {
    const rto = new RtoEstimator({ maxRtoMs: 1000 });
    rto.sample(100);
    expect(rto.backoff()).toBe(600);
    expect(rto.backoff()).toBe(1000);
    expect(rto.backoff()).toBe(1000);
    expect(rto.sample(100)).toBe(250);
  });

  it('refuses bad options and samples with INVALID_ARGUMENT', () => {
    expect(() => new RtoEstimator({ minRtoMs: 500, maxRtoMs: 100 })).toThrowError(/maxRtoMs/);
    expect(() => new RtoEstimator().sample(-1)).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => new RtoEstimator().sample(Number.NaN)).toThrowError(/rtt sample/);
  });
});

describe('RtoEstimator: properties of the formulas', () => {
  const samples = fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { minLength: 1, maxLength: 50 });

  it('matches a direct evaluation of the RFC recurrences, bounded to [min, max]', () => {
    fc.assert(
      fc.property(samples, (rs) => {
        const rto = new RtoEstimator({ minRtoMs: 0, maxRtoMs: 1e9, granularityMs: 1 });
        let srtt = 0;
        let rttvar = 0;
        rs.forEach((r, i) => {
          if (i === 0) {
            srtt = r;
            rttvar = r / 2;
          } else {
            rttvar = (1 - 1 / 4) * rttvar + (1 / 4) * Math.abs(srtt - r);
            srtt = (1 - 1 / 8) * srtt + (1 / 8) * r;
          }
          const got = rto.sample(r);
          expect(got).toBeCloseTo(srtt + Math.max(1, 4 * rttvar), 6);
        });
      }),
    );
  });

  it('SRTT stays within the range of the samples, and RTO within its bounds', () => {
    fc.assert(
      fc.property(
        samples,
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 500, max: 5000 }),
        (rs, min, max) => {
          const rto = new RtoEstimator({ minRtoMs: min, maxRtoMs: max });
          for (const r of rs) {
            const value = rto.sample(r);
            expect(value).toBeGreaterThanOrEqual(min);
            expect(value).toBeLessThanOrEqual(max);
            expect(rto.srtt).toBeGreaterThanOrEqual(Math.min(...rs) - 1e-9);
            expect(rto.srtt).toBeLessThanOrEqual(Math.max(...rs) + 1e-9);
          }
        },
      ),
    );
  });

  it('constant samples converge: RTO → R + max(G, 4·RTTVAR → 0)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), (r) => {
        const rto = new RtoEstimator({ minRtoMs: 0, maxRtoMs: 1e9 });
        for (let i = 0; i < 400; i++) rto.sample(r);
        expect(rto.rto).toBeCloseTo(r + 1, 3);
      }),
    );
  });
});

describe('RtoTable: one estimator per peer, bounded', () => {
  const a = endpoint('127.0.0.1', 1000);
  const b = endpoint('127.0.0.1', 1001);
  const c = endpoint('::1', 1000);

  it('keeps peers apart, address, port and family all count', () => {
    const table = new RtoTable();
    table.sample(a, 200);
    expect(table.rto(a)).toBe(600);
    expect(table.rto(b)).toBe(100);
    expect(table.rto(c)).toBe(100);
    expect(table.size).toBe(3);
  });

  it('forgets the least recently used peer past maxPeers', () => {
    const table = new RtoTable({ maxPeers: 2 });
    table.sample(a, 200);
    table.sample(b, 200);
    table.rto(a); // a is now the most recent
    table.rto(c); // evicts b
    expect(table.size).toBe(2);
    expect(table.rto(a)).toBe(600);
    expect(table.rto(b)).toBe(100);
  });
});
