// Autosave: field changes are merged per field and saved after a short quiet time (≤ 300 ms),
// immediately on `flush()` (blur, step change, leaving the page). One save at a time, in order;
// a failed save keeps its changes queued so the next flush retries them.
import type { FieldValue } from './types';

export const AUTOSAVE_DELAY_MS = 300;

export type SaveFn = (changes: { field: string; value: FieldValue }[]) => Promise<number>;

export interface AutosaveStatus {
  pending: number;
  saving: boolean;
  revision: number | null;
  error: unknown;
}

export interface Timers {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class Autosaver {
  private queue = new Map<string, FieldValue>();
  private timer: unknown = null;
  private running: Promise<void> = Promise.resolve();
  private inFlight = false;
  status: AutosaveStatus = { pending: 0, saving: false, revision: null, error: null };

  constructor(
    private readonly save: SaveFn,
    private readonly onStatus: (s: AutosaveStatus) => void = () => {},
    private readonly delay = AUTOSAVE_DELAY_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Records a change; the latest value of a field wins. */
  change(field: string, value: FieldValue): void {
    this.queue.set(field, value);
    this.report();
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.flush();
    }, this.delay);
  }

  /** Saves everything queued now; resolves when it is saved (or the save failed). */
  flush(): Promise<void> {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    this.running = this.running.then(() => this.saveQueued());
    return this.running;
  }

  get pending(): number {
    return this.queue.size;
  }

  private async saveQueued(): Promise<void> {
    if (this.queue.size === 0) return;
    const batch = [...this.queue.entries()];
    this.queue.clear();
    this.inFlight = true;
    this.report();
    try {
      const revision = await this.save(batch.map(([field, value]) => ({ field, value })));
      this.status = { ...this.status, revision, error: null };
    } catch (e) {
      // Put back what failed unless the user has changed that field again meanwhile.
      for (const [f, v] of batch) if (!this.queue.has(f)) this.queue.set(f, v);
      this.status = { ...this.status, error: e };
    } finally {
      this.inFlight = false;
      this.report();
    }
  }

  private report(): void {
    this.status = { ...this.status, pending: this.queue.size, saving: this.inFlight };
    this.onStatus(this.status);
  }
}
