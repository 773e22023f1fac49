/** Human-readable labels for sizes, dates, expiry choices and image formats. */

const EXPIRY_LABELS: Record<string, string> = {
  '10m': '10 minutes',
  '1h': '1 hour',
  '1d': '1 day',
  '1w': '1 week',
  '1mo': '1 month',
  '6mo': '6 months',
  never: 'Never',
};

export const ALL_EXPIRY_CHOICES = Object.keys(EXPIRY_LABELS);

export function expiryLabel(code: string): string {
  return EXPIRY_LABELS[code] ?? code;
}

interface FormatInfo {
  label: string;
  mime: string[];
  ext: string[];
}

const FORMATS: Record<string, FormatInfo> = {
  jpeg: { label: 'JPEG', mime: ['image/jpeg', 'image/pjpeg'], ext: ['.jpg', '.jpeg', '.jfif'] },
  png: { label: 'PNG', mime: ['image/png', 'image/apng'], ext: ['.png', '.apng'] },
  gif: { label: 'GIF', mime: ['image/gif'], ext: ['.gif'] },
  webp: { label: 'WebP', mime: ['image/webp'], ext: ['.webp'] },
  avif: { label: 'AVIF', mime: ['image/avif'], ext: ['.avif'] },
  heic: { label: 'HEIC', mime: ['image/heic', 'image/heic-sequence'], ext: ['.heic'] },
  heif: { label: 'HEIF', mime: ['image/heif', 'image/heif-sequence'], ext: ['.heif'] },
  tiff: { label: 'TIFF', mime: ['image/tiff'], ext: ['.tif', '.tiff'] },
  bmp: { label: 'BMP', mime: ['image/bmp', 'image/x-ms-bmp'], ext: ['.bmp'] },
  svg: { label: 'SVG', mime: ['image/svg+xml'], ext: ['.svg'] },
  jxl: { label: 'JPEG XL', mime: ['image/jxl'], ext: ['.jxl'] },
  ico: { label: 'ICO', mime: ['image/x-icon', 'image/vnd.microsoft.icon'], ext: ['.ico'] },
};

export function formatLabel(format: string): string {
  return FORMATS[format.toLowerCase()]?.label ?? format.toUpperCase();
}

/** The server's format name for a browser MIME type, or null when unknown. */
export function formatOfMime(mime: string): string | null {
  const type = mime.toLowerCase();
  for (const [name, info] of Object.entries(FORMATS)) {
    if (info.mime.includes(type)) return name;
  }
  return null;
}

/** A file input `accept` value for the allowed formats (image/* when the list is unknown). */
export function acceptFor(formats: readonly string[]): string {
  const parts: string[] = [];
  for (const format of formats) {
    const info = FORMATS[format.toLowerCase()];
    if (info) parts.push(...info.mime, ...info.ext);
  }
  return parts.length > 0 ? parts.join(',') : 'image/*';
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${String(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit] ?? 'B'}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "in 3 hours", "5 minutes ago", "now". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return iso;
  let value = (time - now) / 1000;
  if (Math.abs(value) < 45) return relative.format(0, 'second');
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), 'year');
}

export function expiryText(expiresAt: string | null, now: number = Date.now()): string {
  if (expiresAt === null) return 'Never expires';
  const time = new Date(expiresAt).getTime();
  if (Number.isNaN(time)) return '';
  return time <= now ? 'Expired' : `Expires ${relativeTime(expiresAt, now)}`;
}
