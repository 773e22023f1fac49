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
