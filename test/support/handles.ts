// Moved to @porta/core/testing; this re-export stays until the tests still importing it are moved.
// (By path, not by package name: packages/core's tests use this folder, so it cannot depend on core.)
export { countResources, trackHandles } from '../../packages/core/src/testing/trackHandles.js';
