import type { ObjectStore } from '../ports/object-store.port.js';
import type { ImageRecord } from './image.js';
import { storageKeys } from './storage-keys.js';
import { planOutputs, type VariantSettings } from './variant-plan.js';

/**
 * Every public object an image may have: its planned outputs (whether written yet or not),
 * anything else stored under its prefix (outputs of an older variant configuration), and the
 * copies withheld while its owner is blocked.
 */
export async function publicObjectKeys(
  objects: ObjectStore,
  image: Pick<ImageRecord, 'id' | 'format' | 'hasAlpha' | 'width'>,
  variants: VariantSettings,
): Promise<Set<string>> {
  const keys = new Set(planOutputs(image, variants).map((output) => output.key));
  for await (const object of objects.list(storageKeys.variantPrefix(image.id))) keys.add(object.key);
  // Copies withheld while the owner is blocked go with the image too.
  for await (const object of objects.list(storageKeys.withheldPrefix(image.id))) keys.add(object.key);
  return keys;
}

/** Copies an object to a new key, then deletes the old one; false when it was not there. */
export async function moveObject(
  objects: ObjectStore,
  from: string,
  to: string,
  cacheControl?: string,
): Promise<boolean> {
  const object = await objects.get(from);
  if (!object) return false;
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  await objects.put(to, Buffer.concat(chunks), object.contentType, cacheControl ? { cacheControl } : {});
  await objects.delete([from]);
  return true;
}

/**
 * Moves public objects of an image whose owner is blocked out of `public/` (see
 * ImageService.withholdAllOf); returns how many moved.
 */
export async function withholdObjects(objects: ObjectStore, publicKeys: Iterable<string>): Promise<number> {
  let moved = 0;
  for (const key of publicKeys) {
    if (key.startsWith('public/') && (await moveObject(objects, key, storageKeys.withheld(key)))) moved++;
  }
  return moved;
}
