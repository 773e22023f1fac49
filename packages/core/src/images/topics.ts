/** Kafka topics follow `pictor.<noun>.<event>`. */
export const TOPICS = {
  imageUploaded: 'pictor.images.uploaded',
  imageUploadedDeadLetter: 'pictor.images.uploaded.dlq',
  /** Notification events, keyed by the account they are for (or whose followers they are for). */
  notifications: 'pictor.notifications',
  notificationsDeadLetter: 'pictor.notifications.dlq',
} as const;

/** Body of a `pictor.images.uploaded` event. */
export interface ImageUploadedEvent {
  imageId: string;
}

export function parseImageUploadedEvent(value: string): ImageUploadedEvent | null {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && 'imageId' in parsed && typeof parsed.imageId === 'string') {
      return { imageId: parsed.imageId };
    }
  } catch {
    // fall through: malformed events are the caller's to dead-letter
  }
  return null;
}
