import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PgdrillError, EXIT } from '../errors.ts';
import type { HistoryEvent } from './events.ts';

export interface ReadHistoryOptions {
  /** Told about a last line cut short by a crash (it is skipped). */
  onTruncatedLine?: (lineNumber: number, text: string) => void;
}

/**
 * Streams a history.jsonl back, event by event. A harness killed mid-write
 * leaves a partial last line: that one is skipped (and reported through
 * onTruncatedLine); a malformed line anywhere else is corruption and throws.
 */
export async function* readHistory(path: string, options: ReadHistoryOptions = {}): AsyncGenerator<HistoryEvent> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  let pending: { lineNumber: number; text: string; reason: string } | null = null;
  for await (const text of lines) {
    lineNumber += 1;
    if (pending) throw corrupt(path, pending.lineNumber, pending.reason);
    if (text.trim() === '') continue;
    const parsed = parseEvent(text);
    if (typeof parsed === 'string') {
      // Only fatal if another line follows: then it was not the crash's last write.
      pending = { lineNumber, text, reason: parsed };
      continue;
    }
    yield parsed;
  }
  if (pending) options.onTruncatedLine?.(pending.lineNumber, pending.text);
}

/** Reads a whole history into memory (fine for checker tests and small runs). */
export async function readHistoryFile(path: string, options: ReadHistoryOptions = {}): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const event of readHistory(path, options)) events.push(event);
  return events;
}

/** The event, or why the line is not one. */
function parseEvent(text: string): HistoryEvent | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  if (typeof record.t !== 'number' || typeof record.wall !== 'string' || typeof record.type !== 'string') {
    return 'missing t, wall or type';
  }
  return value as HistoryEvent;
}

function corrupt(path: string, lineNumber: number, reason: string): PgdrillError {
  return new PgdrillError(`${path}:${lineNumber}: not a history event (${reason})`, {
    exitCode: EXIT.infrastructure,
    context: { path, lineNumber },
  });
}
