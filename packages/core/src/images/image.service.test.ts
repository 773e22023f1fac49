import { describe, expect, it } from '@jest/globals';
import { isAppError } from '../errors/app-error.js';
import type { Cache } from '../ports/cache.port.js';
import type { ImageInspector } from '../ports/image-inspector.port.js';
import type { ImageRepository } from '../ports/image-repository.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import { ImageService } from './image.service.js';

/** A service whose database fails every list with `error`. */
function serviceWhoseDatabaseFails(error: Error): ImageService {
  const images = { listPublic: () => Promise.reject(error) } as unknown as ImageRepository;
  return new ImageService({
    images,
    objects: {} as ObjectStore,
    cache: {} as Cache,
    inspector: {} as ImageInspector,
    settings: {} as ConstructorParameters<typeof ImageService>[0]['settings'],
  });
}

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('ImageService and its dependencies', () => {
  it('when the database cannot be reached, then the answer is 503 DEPENDENCY_UNAVAILABLE (retry later)', async () => {
    const error = await serviceWhoseDatabaseFails(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))
      .list({ limit: 10 })
      .catch((e: unknown) => e);
    expect(isAppError(error) && [error.code, error.status, error.retryable]).toEqual([
      'DEPENDENCY_UNAVAILABLE',
      503,
      true,
    ]);
  });

  it('when the database refuses a value (a date out of range), then it is not called an outage but passed on as the bug it is', async () => {
    const refusal = withCode('date/time field value out of range', '22008');
    const error = await serviceWhoseDatabaseFails(refusal)
      .list({ limit: 10 })
      .catch((e: unknown) => e);
    expect(error).toBe(refusal);
  });
});
