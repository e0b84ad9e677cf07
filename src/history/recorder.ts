import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { PgdrillError, EXIT } from '../errors.ts';
import type { RunClock } from './clock.ts';
import type { HistoryBody, HistoryEvent } from './events.ts';

/** File name of the history inside a report directory. */
export const HISTORY_FILE = 'history.jsonl';

export type HistoryListener = (event: HistoryEvent) => void;

export interface HistoryRecorderOptions {
  /** Keep every event in memory for the checkers (default true). */
  keepInMemory?: boolean;
}

/** Longest time an event waits in memory before it reaches the file. */
export const FLUSH_INTERVAL_MS = 100;
const FLUSH_BYTES = 64 * 1024;

/**
 * Appends each event to history.jsonl as the run goes. Lines are gathered
 * for at most FLUSH_INTERVAL_MS (or 64 KiB) and written with one writeSync:
 * one system call per event cost a third of the workload's throughput. A
 * crash of the harness (an exception, a signal Node handles) flushes on
 * exit; only a SIGKILL or a power cut can lose the last 100 ms.
 */
export class HistoryRecorder {
  readonly path: string;
  private readonly clock: RunClock;
  private readonly fd: number;
  private readonly memory: HistoryEvent[] | null;
  private readonly listeners = new Set<HistoryListener>();
  private closed = false;
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly flushOnExit = (): void => this.flush();

  constructor(path: string, clock: RunClock, options: HistoryRecorderOptions = {}) {
    this.path = path;
    this.clock = clock;
    mkdirSync(dirname(path), { recursive: true });
    // 'a': append-only, and a second recorder on the same file cannot clobber the first.
    this.fd = openSync(path, 'a', 0o644);
    this.memory = options.keepInMemory === false ? null : [];
    this.timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS).unref();
    process.on('exit', this.flushOnExit);
  }

  /** Stamps the event with the run clock, appends it to the file and returns it. */
  record(body: HistoryBody): HistoryEvent {
    if (this.closed) {
      throw new PgdrillError(`history ${this.path} is closed; a ${body.type} event arrived after the run ended`, {
        exitCode: EXIT.infrastructure,
        context: { type: body.type },
      });
    }
    const event = Object.assign(this.clock.now(), body) as HistoryEvent;
    const line = JSON.stringify(event) + '\n';
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    this.memory?.push(event);
    for (const listener of this.listeners) {
      // A broken progress display must never cost us a history event.
      try {
        listener(event);
      } catch {
        /* ignored on purpose */
      }
    }
    return event;
  }

  /** Every event recorded so far, in order (empty when keepInMemory is false). */
  events(): readonly HistoryEvent[] {
    return this.memory ?? [];
  }

  /** Calls `listener` for each event recorded from now on; returns the unsubscribe function. */
  subscribe(listener: HistoryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes every gathered line to the file now. */
  flush(): void {
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    writeSync(this.fd, text);
  }

  /** Flushes and closes the file; idempotent, so every exit path may call it. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    process.off('exit', this.flushOnExit);
    this.listeners.clear();
    closeSync(this.fd);
  }
}
