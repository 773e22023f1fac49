import { describe, expect, it } from '@jest/globals';
import { UploadMemoryBudget } from './upload-memory.js';

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('UploadMemoryBudget', () => {
  it('when requests fit the budget together, then all their bytes are taken at once', async () => {
    const budget = new UploadMemoryBudget(100);
    await budget.charge('a').take(40);
    await budget.charge('b').take(60);
    expect(budget.inUse).toBe(100);
  });

  it('when a chunk does not fit, then it waits until enough bytes are given back', async () => {
    const budget = new UploadMemoryBudget(100);
    const first = budget.charge('a');
    await first.take(70);
    const second = budget.charge('b');
    const reading = second.take(10);
    await second.take(20);
    const waiting = second.take(50);
    expect(await settled(reading)).toBe(true);
    // `first` is still reading its body, so the budget is not stuck: the chunk waits.
    expect(await settled(waiting)).toBe(false);
    expect(budget.queued).toBe(1);
    first.release();
    expect(await settled(waiting)).toBe(true);
    expect(budget.inUse).toBe(80);
  });

  it('when a client trickles its body, then it holds only what it sent and small uploads are not held up', async () => {
    const budget = new UploadMemoryBudget(100);
    const slow = budget.charge('slow');
    await slow.take(1);
    const small = budget.charge('other');
    expect(await settled(small.take(90))).toBe(true);
  });

  it('when one request needs more than the whole budget, then it alone goes over it and the others keep room beside it', async () => {
    const budget = new UploadMemoryBudget(100);
    const other = budget.charge('a');
    await other.take(10);
    const huge = budget.charge('b');
    await huge.take(80);
    expect(await settled(huge.take(50))).toBe(true);
    expect(budget.inUse).toBe(140);
    // The others still have room beside it.
    expect(await settled(budget.charge('d').take(30))).toBe(true);
    // Only one request at a time may be over: a second large one waits.
    const second = budget.charge('c');
    expect(await settled(second.take(120))).toBe(false);
    huge.release();
    other.release();
    expect(await settled(second.take(0))).toBe(true);
  });

  it('when every request holding bytes waits for room, then the oldest goes over the budget instead of all waiting forever', async () => {
    const budget = new UploadMemoryBudget(100);
    const a = budget.charge('a');
    const b = budget.charge('b');
    await a.take(50);
    await b.take(50);
    const aMore = a.take(10);
    expect(await settled(aMore)).toBe(false);
    const bMore = b.take(10);
    expect(await settled(aMore)).toBe(true);
    expect(await settled(bMore)).toBe(false);
    a.release();
    expect(await settled(bMore)).toBe(true);
  });

  it('when a client opens several requests, then together they hold no more than its share', async () => {
    const budget = new UploadMemoryBudget(100, { clientShareBytes: 30 });
    const first = budget.charge('greedy');
    const second = budget.charge('greedy');
    await first.take(25);
    const secondChunk = second.take(10);
    expect(await settled(secondChunk)).toBe(false);
    // Another client still gets room.
    expect(await settled(budget.charge('fair').take(40))).toBe(true);
    first.release();
    expect(await settled(secondChunk)).toBe(true);
  });

  it('when a request is released twice or read after its release, then its bytes are given back once', async () => {
    const budget = new UploadMemoryBudget(100);
    const a = budget.charge('a');
    await a.take(30);
    await budget.charge('b').take(20);
    a.release();
    a.release();
    await a.take(10);
    expect(budget.inUse).toBe(20);
  });
});
