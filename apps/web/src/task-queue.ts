/** Runs at most `limit` async tasks at a time, in the order they were queued. */
export class TaskQueue {
  private running = 0;
  private readonly pending: (() => Promise<void>)[] = [];

  constructor(private readonly limit: number) {}

  push(task: () => Promise<void>): void {
    this.pending.push(task);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limit) {
      const task = this.pending.shift();
      if (!task) return;
      this.running += 1;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.running -= 1;
          this.pump();
        });
    }
  }
}
