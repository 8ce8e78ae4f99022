import * as core from '@porta/core';
import { describe, expect, it } from 'vitest';
import { frameTimeout } from '../src/index.js';

describe('frameTimeout from @porta/tcp', () => {
  it('is the framing operator of @porta/core, re-exported for code written before it moved', () => {
    expect(frameTimeout).toBe(core.frameTimeout);
  });
});
