/**
 * `@porta/core/testing`: the property kit to run on your own codecs ({@link checkCodec}) and the
 * helpers porta's own tests use — chunkings, a hand-driven decoder loop, the in-memory transport,
 * virtual-time helpers and the open-handle tracker. A separate entry, as `rxjs/testing` is: import it
 * from tests only. It needs `fast-check` (an optional peer dependency of `@porta/core`).
 *
 * @example
 * ```ts
 * import { checkCodec } from '@porta/core/testing';
 * ```
 * @module
 */

// Each module here imports porta by name ('@porta/core', '@porta/core/transport'), not by relative
// path: the built testing entry then shares porta's classes (PortaError, ChunkQueue) with the main
// entry instead of bundling copies that `instanceof` would tell apart.
export * from './checkCodec.js';
export * from './chunkings.js';
export * from './memoryTransport.js';
export * from './runDecoder.js';
export * from './trackHandles.js';
export * from './virtualTime.js';
