/**
 * Bytes of upload bodies one process holds in memory at once (UPLOAD_MEMORY_BYTES).
 *
 * Uploads are read into memory to be validated before anything is stored. Each request opens an
 * {@link UploadCharge} and is charged as its bytes arrive, chunk by chunk, for what it really holds
 * (every file of a multi-file request, the multipart framing included); nothing is reserved from a
 * declared `Content-Length`. A chunk that does not fit waits, and its request stops reading, so TCP
 * flow control holds the remaining bytes back at the client. So a client trickling its body holds
 * only what it has sent, and cannot keep anyone else waiting.
 *
 * Rules, in order:
 * - a request that already went over the budget (below) keeps going;
 * - a chunk that fits, within the budget and within its client's share (one client's requests
 *   together hold at most `clientShareBytes` while the client has several requests open), is taken;
 * - otherwise it waits, unless the budget is stuck: the request alone needs more than the whole
 *   budget, or every request holding bytes is itself waiting. Then the oldest such waiting request
 *   may go over the budget, one request at a time; of what it holds, only a client's share stays
 *   counted against the budget, so the others keep room (that request may be a slow client too).
 *   Memory stays below the budget plus one request.
 */
export class UploadMemoryBudget {
  private used = 0;
  private overdraft: UploadCharge | undefined;
  private readonly open = new Set<UploadCharge>();
  private readonly waiting: UploadCharge[] = [];
  private readonly byClient = new Map<string, { held: number; requests: number }>();
  readonly clientShareBytes: number;

  constructor(
    readonly limitBytes: number,
    options: { clientShareBytes?: number } = {},
  ) {
    this.clientShareBytes = options.clientShareBytes ?? Math.max(1, Math.floor(limitBytes / 4));
  }

  /** A request's account, for the client (its address) that sent it. */
  charge(client: string): UploadCharge {
    const charge = new UploadCharge(this, client);
    this.open.add(charge);
    const entry = this.byClient.get(client) ?? { held: 0, requests: 0 };
    entry.requests += 1;
    this.byClient.set(client, entry);
    return charge;
  }

  /** Bytes held by open requests. */
  get inUse(): number {
    let held = 0;
    for (const charge of this.open) held += charge.held;
    return held;
  }

  /** Requests waiting for room. */
  get queued(): number {
    return this.waiting.length;
  }

  /** @internal */
  take(charge: UploadCharge, bytes: number): Promise<void> {
    // Released already (the response is over): whatever is still read is dropped, not held.
    if (!this.open.has(charge)) return Promise.resolve();
    if (this.waiting.length === 0 && this.admissible(charge, bytes)) {
      this.grant(charge, bytes);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      charge.pending = { bytes, resolve };
      this.waiting.push(charge);
      this.admitWaiting();
    });
  }

  /** @internal */
  release(charge: UploadCharge): void {
    if (!this.open.delete(charge)) return;
    this.used -= charge.pooled;
    charge.pooled = 0;
    const entry = this.byClient.get(charge.client);
    if (entry) {
      entry.held -= charge.held;
      entry.requests -= 1;
      if (entry.requests === 0) this.byClient.delete(charge.client);
    }
    charge.held = 0;
    const index = this.waiting.indexOf(charge);
    if (index >= 0) this.waiting.splice(index, 1);
    if (charge.pending) {
      // A request released while it waits (the client left): let its reader finish.
      const { resolve } = charge.pending;
      charge.pending = undefined;
      resolve();
    }
    if (this.overdraft === charge) this.overdraft = undefined;
    this.admitWaiting();
  }

  private admissible(charge: UploadCharge, bytes: number): boolean {
    if (this.overdraft === charge) return true;
    if (this.used + bytes > this.limitBytes) return false;
    const entry = this.byClient.get(charge.client);
    // Alone, a client may use the whole budget; beside its other requests, only its share.
    if (entry && entry.requests > 1 && entry.held + bytes > this.clientShareBytes) return false;
    return true;
  }

  private grant(charge: UploadCharge, bytes: number): void {
    const pooled =
      this.overdraft === charge ? Math.max(0, Math.min(bytes, this.clientShareBytes - charge.pooled)) : bytes;
    this.used += pooled;
    charge.pooled += pooled;
    charge.held += bytes;
    const entry = this.byClient.get(charge.client);
    if (entry) entry.held += bytes;
  }

  private admitWaiting(): void {
    // Any waiting chunk that fits goes, in arrival order; a large one does not hold up small ones.
    for (let i = 0; i < this.waiting.length;) {
      const charge = this.waiting[i]!;
      if (this.admissible(charge, charge.pending!.bytes)) {
        this.waiting.splice(i, 1);
        this.resume(charge);
      } else i += 1;
    }
    if (this.waiting.length === 0 || this.overdraft) return;
    const oldest = this.waiting[0]!;
    const aloneTooLarge = oldest.held + oldest.pending!.bytes > this.limitBytes;
    const everyHolderWaits = [...this.open].every((c) => c.held === 0 || c.pending !== undefined);
    if (aloneTooLarge || everyHolderWaits) {
      this.overdraft = oldest;
      const rebate = Math.max(0, oldest.pooled - this.clientShareBytes);
      oldest.pooled -= rebate;
      this.used -= rebate;
      this.waiting.shift();
      this.resume(oldest);
    }
  }

  private resume(charge: UploadCharge): void {
    const { bytes, resolve } = charge.pending!;
    charge.pending = undefined;
    this.grant(charge, bytes);
    resolve();
  }
}

/** What one request holds of an {@link UploadMemoryBudget}; `release()` gives it all back (idempotent). */
export class UploadCharge {
  held = 0;
  /** @internal Of `held`, what counts against the budget (less than it only for the request over it). */
  pooled = 0;
  /** @internal */
  pending: { bytes: number; resolve: () => void } | undefined;

  constructor(
    private readonly budget: UploadMemoryBudget,
    readonly client: string,
  ) {}

  /** Resolves once `bytes` more may be held. */
  take(bytes: number): Promise<void> {
    return this.budget.take(this, bytes);
  }

  /** Whether the request is waiting for room (its reading is paused by the budget, not by the client). */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  release(): void {
    this.budget.release(this);
  }
}
