import { closeSync, mkdirSync, openSync, write, writeSync } from 'node:fs';
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
 * for at most FLUSH_INTERVAL_MS (or 64 KiB): one system call per event cost
 * a third of the workload's throughput. Each batch is written
 * asynchronously at its own offset, so a file system busy with the stack's
 * fsyncs during a failover never stalls the event loop, and with it every
 * writer's clock. Until a write is confirmed its bytes are kept: close()
 * and a crash of the harness (an exception, a signal Node handles) write
 * them again, synchronously, in place. Only a SIGKILL or a power cut can
 * lose the last 100 ms.
 */
export class HistoryRecorder {
  readonly path: string;
  private readonly clock: RunClock;
  private readonly fd: number;
  /** Where the next batch goes: every byte before it is written or in flight. */
  private offset = 0;
  /** Batches handed to the kernel and not yet confirmed, by offset. */
  private readonly unconfirmed = new Map<number, Buffer>();
  private inFlight = 0;
  private fdClosed = false;
  private readonly memory: HistoryEvent[] | null;
  private readonly listeners = new Set<HistoryListener>();
  private closed = false;
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly flushOnExit = (): void => this.writeAllSync();

  constructor(path: string, clock: RunClock, options: HistoryRecorderOptions = {}) {
    this.path = path;
    this.clock = clock;
    mkdirSync(dirname(path), { recursive: true });
    // 'wx': a new file, written at explicit offsets; a second recorder on the same file is refused (EEXIST).
    this.fd = openSync(path, 'wx', 0o644);
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

  /** Hands every gathered line to the file now, without waiting for the disk. */
  flush(): void {
    if (this.pending.length === 0 || this.closed) return;
    const buffer = this.takePending();
    this.writeAt(buffer, this.offset);
    this.offset += buffer.length;
  }

  private takePending(): Buffer {
    const buffer = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    return buffer;
  }

  private writeAt(buffer: Buffer, position: number): void {
    this.unconfirmed.set(position, buffer);
    this.inFlight++;
    write(this.fd, buffer, 0, buffer.length, position, (error, written) => {
      this.inFlight--;
      // Not there any more: close() or the exit handler already wrote it again, synchronously.
      if (this.unconfirmed.get(position) === buffer && !error) {
        this.unconfirmed.delete(position);
        // A short write: the rest goes at its own offset. An error leaves the bytes for close() to write again.
        if (written < buffer.length) this.writeAt(buffer.subarray(written), position + written);
      }
      this.closeFdWhenDone();
    });
  }

  /** Every byte not yet confirmed, then every gathered line, written synchronously in place (close and exit). */
  private writeAllSync(): void {
    if (this.fdClosed) return;
    for (const [position, buffer] of [...this.unconfirmed].sort((a, b) => a[0] - b[0])) {
      writeSync(this.fd, buffer, 0, buffer.length, position);
    }
    this.unconfirmed.clear();
    if (this.pending.length > 0) {
      const buffer = this.takePending();
      writeSync(this.fd, buffer, 0, buffer.length, this.offset);
      this.offset += buffer.length;
    }
  }

  /** The descriptor is closed only once no write is in flight: a late write must not land in a reused one. */
  private closeFdWhenDone(): void {
    if (!this.closed || this.fdClosed || this.inFlight > 0) return;
    this.fdClosed = true;
    closeSync(this.fd);
  }

  /** Writes everything (synchronously) and closes the file; idempotent, so every exit path may call it. */
  close(): void {
    if (this.closed) return;
    this.writeAllSync();
    this.closed = true;
    clearInterval(this.timer);
    process.off('exit', this.flushOnExit);
    this.listeners.clear();
    this.closeFdWhenDone();
  }
}
