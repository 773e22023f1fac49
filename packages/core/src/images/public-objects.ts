import type { ObjectStore } from '../ports/object-store.port.js';
import type { ImageRecord, Visibility } from './image.js';
import { PRIVATE_CACHE_CONTROL, publicCacheControl, storageKeys } from './storage-keys.js';
import { planOutputs, type VariantSettings } from './variant-plan.js';

/**
 * Every output object an image may have: its planned outputs (whether written yet or not) under
 * `public/` and `private/`, anything else stored under its prefixes (outputs of an older variant
 * configuration), and the copies withheld while its owner is blocked.
 */
export async function publicObjectKeys(
  objects: ObjectStore,
  image: Pick<ImageRecord, 'id' | 'format' | 'hasAlpha' | 'width'>,
  variants: VariantSettings,
): Promise<Set<string>> {
  const planned = planOutputs(image, variants).map((output) => output.key);
  const keys = new Set([...planned, ...planned.map((key) => storageKeys.private(key))]);
  for await (const object of objects.list(storageKeys.variantPrefix(image.id))) keys.add(object.key);
  for await (const object of objects.list(storageKeys.privatePrefix(image.id))) keys.add(object.key);
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

/**
 * Moves an image's outputs to where its new visibility keeps them (`public/` ↔ `private/`), each
 * copied before the old one is deleted, so an interruption leaves a copy in both places, never in
 * none; repeating the move finishes it. Returns how many objects moved.
 */
export async function moveForVisibility(
  objects: ObjectStore,
  image: Pick<ImageRecord, 'id' | 'format' | 'hasAlpha' | 'width' | 'expiresAt'>,
  variants: VariantSettings,
  to: Visibility,
): Promise<number> {
  const names = new Set(planOutputs(image, variants).map((output) => output.key));
  // Outputs of an older variant configuration move too, by their public name.
  for await (const object of objects.list(storageKeys.variantPrefix(image.id))) names.add(object.key);
  for await (const object of objects.list(storageKeys.privatePrefix(image.id))) {
    names.add(`public/${object.key.slice('private/'.length)}`);
  }
  const cacheControl = to === 'private' ? PRIVATE_CACHE_CONTROL : publicCacheControl(image);
  let moved = 0;
  for (const key of names) {
    const from = to === 'private' ? key : storageKeys.private(key);
    if (await moveObject(objects, from, storageKeys.stored(to, key), cacheControl)) moved++;
  }
  return moved;
}
