/**
 * porta's errors: one base class, one subclass per failure, each with a literal `code` a caller can
 * branch on (`err.code === 'FRAME_TOO_LONG'`) and a message that carries the facts (port, counts,
 * raw header bytes).
 *
 * @example
 * ```ts
 * conn.bytes.pipe(lengthField()).subscribe({
 *   error: (err) => {
 *     if (isPortaError(err) && err.code === 'FRAME_TOO_LONG') console.error(err.message);
 *   },
 * });
 * ```
 * @module
 */
export * from './errors/framingErrors.js';
export * from './errors/portaError.js';
export * from './errors/reliabilityErrors.js';
export * from './errors/socketErrors.js';
export * from './errors/usageErrors.js';
