/**
 * Bytes of upload bodies one process holds in memory at once. Uploads are read into memory to be
 * validated before anything is stored; without a bound, N concurrent uploads of S bytes need
 * N × S of memory. An upload is admitted once its bytes fit the budget (one upload alone always
 * does, whatever its size); the others wait in arrival order without reading their bodies, so
 * TCP flow control holds the bytes back at the client.
 */
export class UploadMemoryBudget {
  private used = 0;
  private readonly waiting: { bytes: number; admit: () => void }[] = [];

  constructor(readonly limitBytes: number) {}

  /** Resolves once `bytes` fit, with the function that gives them back (idempotent). */
  acquire(bytes: number): Promise<() => void> {
    const need = Math.max(0, Math.min(bytes, this.limitBytes));
    return new Promise((resolve) => {
      const admit = () => {
        this.used += need;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.used -= need;
          this.admitWaiting();
        });
      };
      if (this.waiting.length === 0 && this.used + need <= this.limitBytes) admit();
      else this.waiting.push({ bytes: need, admit });
    });
  }

  /** Bytes held by admitted uploads. */
  get inUse(): number {
    return this.used;
  }

  /** Uploads waiting for room. */
  get queued(): number {
    return this.waiting.length;
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.limitBytes) {
      this.waiting.shift()!.admit();
    }
  }
}
