import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/index.js';
import {
  checkDurationMs,
  checkInteger,
  checkNonNegativeInteger,
  checkNonNegativeNumber,
  checkOneOf,
  checkPositiveInteger,
  checkPositiveNumber,
} from '../src/transport/index.js';

/** The error `check` throws, or undefined when it returns. */
function refusal(check: () => unknown): InvalidArgumentError | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
}

const anyNumber = fc.oneof(
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -0),
);

describe('option checks', () => {
  it('checkInteger returns exactly the safe integers in [min, max] and refuses the rest, naming the option and value', () => {
    fc.assert(
      fc.property(
        anyNumber,
        fc.integer({ min: -10, max: 10 }),
        fc.integer({ min: 0, max: 20 }),
        (value, min, span) => {
          const max = min + span;
          const valid = Number.isSafeInteger(value) && value >= min && value <= max;
          const error = refusal(() => expect(checkInteger(value, 'opt', min, max)).toBe(value));
          expect(error === undefined).toBe(valid);
          if (error !== undefined) {
            expect(error.code).toBe('INVALID_ARGUMENT');
            expect(error.option).toBe('opt');
            expect(Object.is(error.value, value)).toBe(true);
            expect(error.message).toBe(`opt must be an integer from ${min} to ${max}, got ${String(value)}`);
          }
        },
      ),
    );
  });

  it('counts take integers ≥ 1 (or ≥ 0), and Infinity only when allowed', () => {
    fc.assert(
      fc.property(anyNumber, fc.boolean(), (value, infinity) => {
        const integer = Number.isSafeInteger(value);
        const inf = infinity && value === Number.POSITIVE_INFINITY;
        expect(refusal(() => checkPositiveInteger(value, 'n', { infinity })) === undefined).toBe(
          (integer && value >= 1) || inf,
        );
        expect(refusal(() => checkNonNegativeInteger(value, 'n', { infinity })) === undefined).toBe(
          (integer && value >= 0) || inf,
        );
      }),
    );
    expect(refusal(() => checkPositiveInteger(0, 'maxPending'))?.message).toBe(
      'maxPending must be an integer ≥ 1, got 0',
    );
    expect(refusal(() => checkPositiveInteger(-1, 'capacity', { infinity: true }))?.message).toBe(
      'capacity must be an integer ≥ 1 or Infinity, got -1',
    );
  });

  it('numbers and durations refuse NaN, negatives and (unless allowed) Infinity', () => {
    fc.assert(
      fc.property(anyNumber, (value) => {
        const finite = Number.isFinite(value);
        expect(refusal(() => checkPositiveNumber(value, 'x')) === undefined).toBe(finite && value > 0);
        expect(refusal(() => checkPositiveNumber(value, 'x', { infinity: true })) === undefined).toBe(
          value > 0,
        );
        expect(refusal(() => checkNonNegativeNumber(value, 'x')) === undefined).toBe(finite && value >= 0);
        expect(refusal(() => checkDurationMs(value, 'x')) === undefined).toBe(finite && value > 0);
      }),
    );
    expect(refusal(() => checkDurationMs(0, 'idleTimeoutMs'))?.message).toBe(
      'idleTimeoutMs must be a finite number of milliseconds > 0, got 0',
    );
  });

  it('checkOneOf takes only the listed values and lists them in the message', () => {
    expect(checkOneOf('little', 'byteOrder', ['big', 'little'])).toBe('little');
    expect(checkOneOf(8, 'lengthFieldLength', [1, 2, 3, 4, 8])).toBe(8);
    expect(refusal(() => checkOneOf('BIG', 'byteOrder', ['big', 'little']))?.message).toBe(
      `byteOrder must be 'big' or 'little', got "BIG"`,
    );
    expect(refusal(() => checkOneOf(5, 'lengthFieldLength', [1, 2, 3, 4, 8]))?.message).toBe(
      'lengthFieldLength must be 1, 2, 3, 4 or 8, got 5',
    );
    expect(refusal(() => checkOneOf(undefined, 'mode', ['porta', 'plain']))?.value).toBeUndefined();
  });
});
