import { describe, expect, it } from 'vitest';
import { reusePortSupported } from '../src/index.js';

describe('reusePortSupported', () => {
  it('is true from Node 22.12 and 23.1 on Linux, false on the versions that ignore the option', () => {
    for (const v of ['22.12.0', '22.23.5', '23.1.0', '24.0.0', '25.2.1'])
      expect(reusePortSupported(v, 'linux')).toBe(true);
    for (const v of ['20.20.2', '22.11.0', '23.0.0', '18.19.1'])
      expect(reusePortSupported(v, 'linux')).toBe(false);
  });

  it('is false where the kernel does not balance one port over several sockets (macOS, Windows)', () => {
    expect(reusePortSupported('24.0.0', 'darwin')).toBe(false);
    expect(reusePortSupported('24.0.0', 'win32')).toBe(false);
    expect(reusePortSupported('24.0.0', 'freebsd')).toBe(true);
  });
});
