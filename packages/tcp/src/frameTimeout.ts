// frameTimeout now lives with the framing in @porta/core; re-exported here so imports from @porta/tcp
// keep working.
export { type FrameTimeoutOptions, frameTimeout } from '@porta/core';
