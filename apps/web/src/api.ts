/** The few Pictor API calls the page makes, with defensive parsing of the answers. */

import { getCsrfToken } from './account-api';
import { ALL_EXPIRY_CHOICES } from './format';

export interface Limits {
  /** 0 when unknown. */
  maxUploadBytes: number;
  /** 0 when unknown. */
  maxFilesPerUpload: number;
  allowedFormats: string[];
  expiryChoices: string[];
  expiryDefault: string;
}

export const DEFAULT_LIMITS: Limits = {
  maxUploadBytes: 0,
  maxFilesPerUpload: 0,
  allowedFormats: [],
  expiryChoices: ALL_EXPIRY_CHOICES,
  expiryDefault: 'never',
};

export interface ImageLinks {
  view: string;
  direct: string;
  thumbnail: string;
  markdown: string;
  html: string;
  bbcode: string;
  delete: string;
}

export interface UploadedImage {
  id: string;
  status: string;
  width: number | null;
  height: number | null;
  bytes: number | null;
  format: string | null;
  title: string | null;
  visibility: string;
  expiresAt: string | null;
  createdAt: string;
  links: ImageLinks;
  deleteToken: string;
}

export interface UploadOptions {
  expiresIn: string;
  visibility: string;
  title: string;
  watermark: string;
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | null;

  constructor(code: string, message: string, status = 0, requestId: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

const API = '/api/v1';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function strings(value: unknown): string[] | null {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

/** Turns an error answer (JSON `{ error: { code, message, requestId } }` or anything else) into an ApiError. */
export function errorFromResponse(status: number, body: string): ApiError {
  const json = parseJson(body);
  if (isObject(json) && isObject(json.error)) {
    const { code, message, requestId } = json.error;
    return new ApiError(
      str(code) ?? `HTTP_${String(status)}`,
      str(message) ?? `The server answered with HTTP ${String(status)}.`,
      status,
      str(requestId),
    );
  }
  if (status === 413) {
    return new ApiError('FILE_TOO_LARGE', 'The file is larger than the server accepts.', status);
  }
  if (status === 429) {
    return new ApiError('RATE_LIMITED', 'Too many requests. Please wait a moment and try again.', status);
  }
  return new ApiError(`HTTP_${String(status)}`, `The server answered with HTTP ${String(status)}.`, status);
}

function networkError(): ApiError {
  return new ApiError('NETWORK_ERROR', 'Could not reach the server. Check your connection and try again.');
}

export async function fetchLimits(signal?: AbortSignal): Promise<Limits> {
  let response: Response;
  try {
    response = await fetch(`${API}/limits`, { headers: { Accept: 'application/json' }, signal });
  } catch {
    throw networkError();
  }
  const text = await response.text();
  if (!response.ok) throw errorFromResponse(response.status, text);
  const json = parseJson(text);
  if (!isObject(json)) throw new ApiError('BAD_RESPONSE', 'The server sent unreadable limits.', response.status);
  const expiryChoices = strings(json.expiryChoices)?.filter((c) => c.length > 0) ?? [];
  const choices = expiryChoices.length > 0 ? expiryChoices : DEFAULT_LIMITS.expiryChoices;
  const expiryDefault = str(json.expiryDefault);
  return {
    maxUploadBytes: Math.max(0, num(json.maxUploadBytes) ?? 0),
    maxFilesPerUpload: Math.max(0, Math.floor(num(json.maxFilesPerUpload) ?? 0)),
    allowedFormats: (strings(json.allowedFormats) ?? []).map((f) => f.toLowerCase()),
    expiryChoices: choices,
    expiryDefault:
      expiryDefault !== null && choices.includes(expiryDefault)
        ? expiryDefault
        : choices.includes('never')
          ? 'never'
          : (choices[0] ?? 'never'),
  };
}

const LINK_KEYS = ['view', 'direct', 'thumbnail', 'markdown', 'html', 'bbcode', 'delete'] as const;

export function parseLinks(value: unknown): ImageLinks | null {
  if (!isObject(value)) return null;
  const direct = str(value.direct);
  if (!direct) return null;
  const links = {} as ImageLinks;
  for (const key of LINK_KEYS) links[key] = str(value[key]) ?? '';
  if (!links.thumbnail) links.thumbnail = direct;
  return links;
}

function parseImage(value: unknown): UploadedImage | null {
  if (!isObject(value)) return null;
  const id = str(value.id);
  const links = parseLinks(value.links);
  if (!id || !links) return null;
  return {
    id,
    status: str(value.status) ?? 'ready',
    width: num(value.width),
    height: num(value.height),
    bytes: num(value.bytes),
    format: str(value.format),
    title: str(value.title),
    visibility: str(value.visibility) ?? 'public',
    expiresAt: str(value.expiresAt),
    createdAt: str(value.createdAt) ?? new Date().toISOString(),
    links,
    deleteToken: str(value.deleteToken) ?? '',
  };
}

export interface UploadProgress {
  /** `uploading` while bytes are sent, `processing` once the body is sent and the answer is awaited. */
  phase: 'uploading' | 'processing';
  loaded: number;
  total: number;
}

export interface UploadHandle {
  promise: Promise<UploadedImage>;
  abort(): void;
}

/** One multipart POST per file, with upload progress from XMLHttpRequest. */
export function uploadFile(
  file: File,
  options: UploadOptions,
  onProgress: (progress: UploadProgress) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<UploadedImage>((resolve, reject) => {
    xhr.open('POST', `${API}/images`);
    xhr.responseType = 'text';
    xhr.setRequestHeader('Accept', 'application/json');
    // Signed in: the upload is the account's, and a session change needs its CSRF token.
    const csrf = getCsrfToken();
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);

    xhr.upload.addEventListener('progress', (event) => {
      const total = event.lengthComputable ? event.total : file.size;
      onProgress({ phase: 'uploading', loaded: event.loaded, total });
    });
    xhr.upload.addEventListener('load', () => {
      onProgress({ phase: 'processing', loaded: file.size, total: file.size });
    });

    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        const json = parseJson(xhr.responseText);
        const first: unknown = isObject(json) ? (Array.isArray(json.images) ? json.images[0] : json) : undefined;
        const image = parseImage(first);
        if (image) resolve(image);
        else reject(new ApiError('BAD_RESPONSE', 'The upload worked but the answer was unreadable.', xhr.status));
      } else {
        reject(errorFromResponse(xhr.status, xhr.responseText));
      }
    });
    xhr.addEventListener('error', () => {
      reject(networkError());
    });
    xhr.addEventListener('timeout', () => {
      reject(new ApiError('TIMEOUT', 'The upload timed out.'));
    });
    xhr.addEventListener('abort', () => {
      reject(new ApiError('ABORTED', 'Upload cancelled.'));
    });

    // Text fields first, so a streaming multipart parser has them before the file arrives.
    const form = new FormData();
    if (options.expiresIn) form.append('expiresIn', options.expiresIn);
    if (options.visibility) form.append('visibility', options.visibility);
    if (options.title) form.append('title', options.title);
    if (options.watermark) form.append('watermark', options.watermark);
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return {
    promise,
    abort: () => {
      xhr.abort();
    },
  };
}

/** Deletes an image with its delete token; `gone` when the server no longer has it (404). */
export async function deleteImage(id: string, token: string): Promise<'deleted' | 'gone'> {
  let response: Response;
  try {
    response = await fetch(`${API}/images/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { 'X-Delete-Token': token, Accept: 'application/json' },
    });
  } catch {
    throw networkError();
  }
  if (response.status === 404) return 'gone';
  if (response.ok) return 'deleted';
  throw errorFromResponse(response.status, await response.text());
}
