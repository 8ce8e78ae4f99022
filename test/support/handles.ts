// Moved to @porta/core/testing; this re-export stays until the tests still importing it are moved.
export { countResources, trackHandles } from '@porta/core/testing';
