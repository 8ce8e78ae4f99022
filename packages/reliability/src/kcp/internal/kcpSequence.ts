/**
 * Signed distance `a − b` on KCP's wrapping 32-bit sequence and time circle (ikcp.c's
 * `_itimediff`): positive when `a` is after `b`, whatever the wrap.
 */
export function kcpSeqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
