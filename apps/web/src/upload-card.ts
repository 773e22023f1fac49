/** One file's card in the "Uploads" list: preview, progress, errors, then the links. */

import { announce } from './announce';
import { ApiError, uploadFile, type UploadHandle, type UploadOptions, type UploadedImage } from './api';
import { copyField } from './copy-field';
import { h } from './dom';
import { expiryText, formatBytes, formatDateTime, formatLabel } from './format';
import type { TaskQueue } from './task-queue';
import { showThumbnail } from './thumbnail';

export type CardState = 'queued' | 'uploading' | 'processing' | 'done' | 'error' | 'cancelled';

export interface UploadCardDeps {
  queue: TaskQueue;
  onUploaded: (image: UploadedImage) => void;
  onDismiss: (card: UploadCard) => void;
}

/** Fired on `document` with the image id when an image is deleted from the recent list. */
export const DELETED_EVENT = 'pictor:deleted';

const LINK_ROWS: { key: keyof UploadedImage['links']; label: string; note?: string }[] = [
  { key: 'direct', label: 'Direct link' },
  { key: 'view', label: 'View page' },
  { key: 'markdown', label: 'Markdown' },
  { key: 'html', label: 'HTML' },
  { key: 'bbcode', label: 'BBCode' },
  { key: 'delete', label: 'Delete link', note: 'Keep this one private: anyone who has it can delete the image.' },
];

const PREVIEWABLE = /^image\/(jpeg|png|gif|webp|avif|bmp|svg\+xml|x-icon|vnd\.microsoft\.icon|apng)$/;

export class UploadCard {
  readonly element: HTMLLIElement;
  private state: CardState = 'queued';
  private handle: UploadHandle | null = null;
  private image: UploadedImage | null = null;
  private readonly previewUrl: string | null;

  private readonly thumb: HTMLImageElement;
  private readonly meta: HTMLParagraphElement;
  private readonly progressRow: HTMLDivElement;
  private readonly progress: HTMLProgressElement;
  private readonly progressText: HTMLSpanElement;
  private readonly status: HTMLParagraphElement;
  private readonly error: HTMLParagraphElement;
  private readonly links: HTMLDivElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly retryButton: HTMLButtonElement;
  private readonly dismissButton: HTMLButtonElement;
  private readonly onDeleted = (event: Event): void => {
    if (event instanceof CustomEvent && event.detail === this.image?.id) this.markDeleted();
  };

  constructor(
    private readonly file: File,
    private readonly options: UploadOptions,
    private readonly deps: UploadCardDeps,
    invalid: ApiError | null = null,
  ) {
    const name = file.name || 'Pasted image';
    this.previewUrl = PREVIEWABLE.test(file.type) ? URL.createObjectURL(file) : null;

    this.thumb = h('img', { class: 'card-thumb', alt: `Preview of ${name}`, decoding: 'async' });
    if (this.previewUrl) {
      // A file the browser cannot decode simply shows no preview.
      this.thumb.addEventListener(
        'error',
        () => {
          if (!this.image) this.thumb.classList.add('is-broken');
        },
        { once: true },
      );
      this.thumb.src = this.previewUrl;
    } else {
      this.thumb.classList.add('is-broken');
    }

    this.meta = h('p', { class: 'card-meta', text: describeFile(file) });
    this.progress = h('progress', { max: 100, value: 0, 'aria-label': `Upload progress of ${name}` });
    this.progressText = h('span', { class: 'progress-text', 'aria-hidden': 'true', text: '' });
    this.progressRow = h('div', { class: 'progress-row' }, this.progress, this.progressText);
    this.status = h('p', { class: 'card-status', text: 'Waiting…' });
    this.error = h('p', { class: 'card-error', role: 'alert', hidden: true });
    this.links = h('div', { class: 'card-links', hidden: true });

    this.cancelButton = h('button', { type: 'button', class: 'btn btn-small btn-ghost' }, 'Cancel');
    this.retryButton = h('button', { type: 'button', class: 'btn btn-small', hidden: true }, 'Retry');
    this.dismissButton = h('button', { type: 'button', class: 'btn btn-small btn-ghost', hidden: true }, 'Dismiss');
    this.cancelButton.setAttribute('aria-label', `Cancel upload of ${name}`);
    this.retryButton.setAttribute('aria-label', `Retry upload of ${name}`);
    this.dismissButton.setAttribute('aria-label', `Dismiss ${name}`);
    this.cancelButton.addEventListener('click', () => {
      this.cancel();
    });
    this.retryButton.addEventListener('click', () => {
      this.enqueue();
    });
    this.dismissButton.addEventListener('click', () => {
      this.deps.onDismiss(this);
    });

    this.element = h(
      'li',
      { class: 'card upload-card' },
      h('div', { class: 'card-media' }, this.thumb),
      h(
        'div',
        { class: 'card-body' },
        h('div', { class: 'card-head' }, h('h3', { class: 'card-title', text: name, title: name }), this.meta),
        this.progressRow,
        this.status,
        this.error,
        this.links,
        h('div', { class: 'card-actions' }, this.cancelButton, this.retryButton, this.dismissButton),
      ),
    );

    document.addEventListener(DELETED_EVENT, this.onDeleted);
    if (invalid) this.fail(invalid, false);
    else this.enqueue();
  }

  get finished(): boolean {
    return this.state === 'done' || this.state === 'error' || this.state === 'cancelled';
  }

  dispose(): void {
    this.handle?.abort();
    document.removeEventListener(DELETED_EVENT, this.onDeleted);
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.element.remove();
  }

  private setState(state: CardState): void {
    this.state = state;
    this.element.dataset.state = state;
    const active = state === 'queued' || state === 'uploading' || state === 'processing';
    this.cancelButton.hidden = !active;
    this.dismissButton.hidden = active;
    this.progressRow.hidden = !active;
    if (active) {
      this.retryButton.hidden = true;
      this.error.hidden = true;
    }
  }

  private enqueue(): void {
    this.setState('queued');
    this.progress.value = 0;
    this.progressText.textContent = '';
    this.status.textContent = 'Waiting…';
    this.deps.queue.push(() => this.run());
  }

  private async run(): Promise<void> {
    if (this.state !== 'queued') return; // cancelled while waiting
    this.setState('uploading');
    this.status.textContent = 'Uploading…';
    this.handle = uploadFile(this.file, this.options, (p) => {
      if (p.phase === 'uploading') {
        const percent = p.total > 0 ? Math.min(100, Math.round((p.loaded / p.total) * 100)) : 0;
        this.progress.value = percent;
        this.progressText.textContent = `${String(percent)}%`;
        this.status.textContent = `Uploading… ${formatBytes(p.loaded)} of ${formatBytes(p.total)}`;
      } else {
        this.setState('processing');
        this.progress.removeAttribute('value'); // indeterminate while the server works
        this.progressText.textContent = '';
        this.status.textContent = 'Processing…';
      }
    });
    try {
      const image = await this.handle.promise;
      this.succeed(image);
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError('UNKNOWN', String(err));
      if (error.code === 'ABORTED') {
        this.setState('cancelled');
        this.status.textContent = 'Cancelled.';
      } else {
        this.fail(error, isRetryable(error));
      }
    } finally {
      this.handle = null;
    }
  }

  private cancel(): void {
    if (this.handle) {
      this.handle.abort();
      return;
    }
    this.setState('cancelled');
    this.status.textContent = 'Cancelled.';
  }

  private fail(error: ApiError, retryable: boolean): void {
    this.setState('error');
    this.element.classList.add('has-error');
    this.status.textContent = 'Not uploaded.';
    this.error.replaceChildren(
      h('span', { text: error.message }),
      ' ',
      h('code', { class: 'error-code', text: error.code }),
      error.requestId ? h('span', { class: 'error-request', text: ` Request ${error.requestId}` }) : '',
    );
    this.error.hidden = false;
    this.retryButton.hidden = !retryable;
  }

  private succeed(image: UploadedImage): void {
    this.image = image;
    this.setState('done');
    this.element.classList.remove('has-error');
    this.progress.value = 100;

    const details = [
      image.width && image.height ? `${String(image.width)} × ${String(image.height)}` : null,
      image.bytes !== null ? formatBytes(image.bytes) : formatBytes(this.file.size),
      image.format ? formatLabel(image.format) : null,
      image.visibility === 'unlisted' ? 'Unlisted' : image.visibility === 'private' ? 'Private' : 'Public',
    ].filter((part): part is string => Boolean(part));
    this.meta.textContent = details.join(' · ');

    const expiry = expiryText(image.expiresAt);
    this.status.replaceChildren(
      h('span', { class: 'badge badge-ok', text: 'Uploaded' }),
      ' ',
      image.expiresAt
        ? h('time', { datetime: image.expiresAt, title: formatDateTime(image.expiresAt), text: expiry })
        : expiry,
      image.status === 'pending' ? ' · still processing, links work in a moment' : '',
    );

    this.links.replaceChildren(
      ...LINK_ROWS.filter((row) => image.links[row.key]).map((row) =>
        copyField(row.label, image.links[row.key], row.note),
      ),
    );
    this.links.hidden = false;
    this.thumb.alt = image.title ?? `Uploaded image ${image.id}`;
    showThumbnail(this.thumb, image.links, this.previewUrl);

    announce(`${this.file.name || 'Image'} uploaded`);
    this.deps.onUploaded(image);
  }

  private markDeleted(): void {
    this.element.classList.add('is-deleted');
    this.status.replaceChildren(h('span', { class: 'badge', text: 'Deleted' }));
    this.links.hidden = true;
  }
}

function describeFile(file: File): string {
  return [formatBytes(file.size), file.type ? file.type.replace(/^image\//, '').toUpperCase() : null]
    .filter((part): part is string => Boolean(part))
    .join(' · ');
}

function isRetryable(error: ApiError): boolean {
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}
