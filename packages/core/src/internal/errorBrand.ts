/**
 * The brand that gives porta's errors one identity across copies of `@porta/core`: its ESM and
 * CJS builds loaded side by side (an ESM app using a CJS dependency of porta's), or two installs.
 * Class identity differs between copies, so `instanceof` alone would say no; `Symbol.for` gives
 * every copy the same symbol. undici brands its errors the same way.
 */
export const PORTA_ERROR = Symbol.for('@porta/core/error');

/**
 * Whether `value` is an instance of `cls` made by any copy of porta: an ordinary instance, or a
 * branded error whose prototype chain holds a porta class of the same name (a subclass's name is
 * its identity: every class in errors.ts is named for what it is).
 */
export function isBrandedInstance(cls: abstract new (...args: never[]) => unknown, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true;
  if (typeof value !== 'object' || value === null || !(PORTA_ERROR in value)) return false;
  for (let proto: object | null = Object.getPrototypeOf(value); proto !== null && PORTA_ERROR in proto; ) {
    if (Object.hasOwn(proto, 'constructor') && (proto.constructor as { name?: unknown }).name === cls.name)
      return true;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}
