import { describe, expect, it } from '@jest/globals';
import { UploadMemoryBudget } from './upload-memory.js';

const settled = async <T>(promise: Promise<T>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('UploadMemoryBudget', () => {
  it('when uploads fit the budget together, then all are admitted at once', async () => {
    const budget = new UploadMemoryBudget(100);
    await budget.acquire(40);
    await budget.acquire(60);
    expect(budget.inUse).toBe(100);
  });

  it('when an upload does not fit, then it waits until enough bytes are given back', async () => {
    const budget = new UploadMemoryBudget(100);
    const release = await budget.acquire(70);
    const waiting = budget.acquire(50);
    expect(await settled(waiting)).toBe(false);
    expect(budget.queued).toBe(1);
    release();
    expect(await settled(waiting)).toBe(true);
    expect(budget.inUse).toBe(50);
  });

  it('when one upload is larger than the whole budget, then it is admitted alone', async () => {
    const budget = new UploadMemoryBudget(100);
    const release = await budget.acquire(10);
    const huge = budget.acquire(1_000);
    expect(await settled(huge)).toBe(false);
    release();
    expect(await settled(huge)).toBe(true);
    expect(budget.inUse).toBe(100);
  });

  it('when small uploads arrive behind a waiting large one, then they keep their turn', async () => {
    const budget = new UploadMemoryBudget(100);
    const first = await budget.acquire(80);
    const large = budget.acquire(90);
    const small = budget.acquire(10);
    expect(await settled(small)).toBe(false);
    first();
    expect(await settled(large)).toBe(true);
    expect(await settled(small)).toBe(true);
  });

  it('when a release is called twice, then the bytes are given back once', async () => {
    const budget = new UploadMemoryBudget(100);
    const release = await budget.acquire(30);
    await budget.acquire(20);
    release();
    release();
    expect(budget.inUse).toBe(20);
  });
});
