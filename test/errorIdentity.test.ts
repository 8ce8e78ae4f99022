import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// Loads the two builds a consumer can end up with side by side (an ESM app, a CJS dependency), not
// the sources vitest aliases: class identity differs between them, the brand must not.
type Core = typeof import('@porta/core');
const dist = new URL('../packages/core/dist/', import.meta.url);
if (!existsSync(new URL('index.cjs', dist)))
  throw new Error('@porta/core is not built: run `npm run build` first');
const esm = (await import(new URL('index.js', dist).href)) as Core;
const cjs = createRequire(import.meta.url)(new URL('index.cjs', dist).pathname) as Core;

type ErrorClass = abstract new (...args: never[]) => Error;

/** Every error class the package exports, by name. */
function errorClasses(core: Core): Map<string, ErrorClass> {
  const classes = new Map<string, ErrorClass>();
  for (const [name, value] of Object.entries(core)) {
    if (
      typeof value === 'function' &&
      (value === core.PortaError || value.prototype instanceof core.PortaError)
    ) {
      classes.set(name, value as ErrorClass);
    }
  }
  return classes;
}

describe('one error identity across the ESM and CJS builds', () => {
  it('the two builds are distinct copies with the same error classes', () => {
    expect(esm.PortaError).not.toBe(cjs.PortaError);
    expect([...errorClasses(esm).keys()].sort()).toEqual([...errorClasses(cjs).keys()].sort());
    expect(errorClasses(esm).size).toBeGreaterThan(10);
  });

  it('an error made by either build is an instance of the other build’s class and of PortaError', () => {
    const fromEsm = new esm.FrameTooLongError(70_000, 65_535);
    const fromCjs = new cjs.ServerUnreachableError('no answer', 5, 3100);
    expect(fromEsm).toBeInstanceOf(cjs.FrameTooLongError);
    expect(fromEsm).toBeInstanceOf(cjs.PortaError);
    expect(fromCjs).toBeInstanceOf(esm.ServerUnreachableError);
    expect(fromCjs).toBeInstanceOf(esm.PortaError);
    expect(cjs.isPortaError(fromEsm, 'FRAME_TOO_LONG')).toBe(true);
    expect(esm.isPortaError(fromCjs)).toBe(true);
    expect(esm.isPortaError(fromCjs, 'TIMEOUT')).toBe(false);
  });

  it('every subclass matches only itself and its base, whichever build made the error', () => {
    const esmClasses = errorClasses(esm);
    const cjsClasses = errorClasses(cjs);
    for (const [name, made] of esmClasses) {
      // An instance without running the constructor: each class takes different arguments, and
      // the brand lives on the prototypes, which is what is under test.
      const fromEsm = Object.create(made.prototype) as object;
      const fromCjs = Object.create((cjsClasses.get(name) as ErrorClass).prototype) as object;
      for (const [other, cjsClass] of cjsClasses) {
        const expected = other === name || other === 'PortaError';
        expect(fromEsm instanceof cjsClass, `${name} (ESM) instanceof ${other} (CJS)`).toBe(expected);
        expect(
          fromCjs instanceof (esmClasses.get(other) as ErrorClass),
          `${name} (CJS) instanceof ${other} (ESM)`,
        ).toBe(expected);
      }
    }
  });

  it('the builds keep every error class named as it is exported, and each error names its class', () => {
    // The brand matches classes by name, and the builds run without esbuild's keepNames (it costs
    // memory per closure): a class the bundler renamed (`_PortaError`, `TimeoutError2`) would break it.
    for (const core of [esm, cjs]) {
      for (const [name, cls] of errorClasses(core)) {
        expect(cls.name).toBe(name);
        // `name` is a literal in each class, never derived from the constructor.
        const made = Object.create(cls.prototype) as Error;
        expect(Object.getPrototypeOf(made).constructor.name).toBe(name);
      }
    }
    expect(new esm.TimeoutError('late', 5).name).toBe('TimeoutError');
    expect(new cjs.AbortError().name).toBe('AbortError');
  });

  it('an unrelated error with the same name is not a porta error', () => {
    class FrameTooLongError extends Error {}
    expect(new FrameTooLongError('x')).not.toBeInstanceOf(esm.FrameTooLongError);
    expect(esm.isPortaError(new Error('FRAME_TOO_LONG'))).toBe(false);
    expect(esm.isPortaError({ code: 'FRAME_TOO_LONG', name: 'PortaError' })).toBe(false);
    expect(esm.isPortaError(null)).toBe(false);
  });
});
