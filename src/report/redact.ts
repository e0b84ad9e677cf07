/**
 * Last line of defence for "no secret ever appears in a report": whatever a
 * caller put in the result, fields named like credentials are masked, and a
 * password inside a connection URL is removed.
 */
const SECRET_FIELD = /(pass(word|wd|phrase)?|secret|token|credentials?|private_?key|access_?key|api_?key)$/i;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi;

export const REDACTED = '[redacted]';

export function redactSecrets<T>(value: T): T {
  return redact(value) as T;
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1:${REDACTED}@`);
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_FIELD.test(key) && v !== null && v !== undefined ? REDACTED : redact(v);
    return out;
  }
  return value;
}
