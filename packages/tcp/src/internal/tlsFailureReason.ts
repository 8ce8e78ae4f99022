/**
 * A short reason for a failed TLS handshake: OpenSSL's reason phrase (`wrong version number`)
 * rather than its full error string, which carries a library path, a source file and a newline.
 */
export function tlsFailureReason(err: unknown): string {
  const e = err as { readonly reason?: unknown; readonly code?: unknown; readonly message?: unknown } | null;
  if (typeof e?.reason === 'string' && e.reason !== '') return e.reason;
  if (e?.code === 'ECONNRESET') return 'the peer hung up during the handshake';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const firstLine = message.split('\n', 1)[0] ?? '';
  // "…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…": keep the phrase.
  const parts = firstLine.split(':');
  const routines = parts.indexOf('SSL routines');
  if (routines >= 0 && parts[routines + 2] !== undefined) return parts[routines + 2] as string;
  return firstLine.length > 120 ? `${firstLine.slice(0, 117)}...` : firstLine;
}
