import './style.css';

import { ApiError, DEFAULT_LIMITS, fetchLimits, type Limits, type UploadOptions } from './api';
import { AccountUi } from './account-ui';
import { announce } from './announce';
import { byId } from './dom';
import { acceptFor, expiryLabel, formatBytes, formatLabel, formatOfMime } from './format';
import { PastePanel } from './paste-panel';
import { loadPrefs, savePrefs } from './prefs';
import { RecentList } from './recent-list';
import { RecentPastes } from './recent-pastes';
import { RecentStore } from './recent-store';
import { TaskQueue } from './task-queue';
import { UploadCard } from './upload-card';

/** Uploads running at the same time; the rest wait in line, each card showing its own state. */
const CONCURRENT_UPLOADS = 3;

const dropZone = byId('drop-zone', HTMLButtonElement);
const dropHint = byId('drop-hint', HTMLParagraphElement);
const fileInput = byId('file-input', HTMLInputElement);
const optionsForm = byId('upload-options', HTMLFormElement);
const expirySelect = byId('expires-in', HTMLSelectElement);
const titleInput = byId('title', HTMLInputElement);
const watermarkInput = byId('watermark', HTMLInputElement);
const limitsNotice = byId('limits-notice', HTMLParagraphElement);
const resultsSection = byId('results-section', HTMLElement);
const resultsList = byId('results', HTMLOListElement);
const clearResults = byId('clear-results', HTMLButtonElement);

let limits: Limits = DEFAULT_LIMITS;
const prefs = loadPrefs();
const queue = new TaskQueue(CONCURRENT_UPLOADS);
const cards = new Set<UploadCard>();
const store = new RecentStore();
new RecentList(
  store,
  byId('recent', HTMLUListElement),
  byId('recent-empty', HTMLElement),
  byId('recent-heading', HTMLElement),
);

// ---- Options -------------------------------------------------------------------------------

function fillExpiry(choices: readonly string[], fallback: string): void {
  const preferred = prefs.expiresIn;
  expirySelect.replaceChildren(
    ...choices.map((choice) => {
      const option = document.createElement('option');
      option.value = choice;
      option.textContent = expiryLabel(choice);
      return option;
    }),
  );
  expirySelect.value = preferred !== undefined && choices.includes(preferred) ? preferred : fallback;
}

const recentPastes = new RecentPastes(
  byId('recent-pastes-section', HTMLElement),
  byId('recent-pastes', HTMLUListElement),
);
const pastePanel = new PastePanel((paste) => {
  recentPastes.add({
    id: paste.id,
    title: paste.title,
    link: paste.links.view,
    deleteToken: paste.deleteToken,
    burnAfterReading: paste.burnAfterReading,
    createdAt: paste.createdAt,
    expiresAt: paste.expiresAt,
  });
});

function applyLimits(next: Limits): void {
  limits = next;
  pastePanel.applyLimits(next);
  fillExpiry(next.expiryChoices, next.expiryDefault);
  fileInput.accept = acceptFor(next.allowedFormats);
  const parts: string[] = [];
  if (next.allowedFormats.length > 0) parts.push(next.allowedFormats.map(formatLabel).join(', '));
  if (next.maxUploadBytes > 0) parts.push(`up to ${formatBytes(next.maxUploadBytes)} each`);
  if (next.maxFilesPerUpload > 0) parts.push(`${String(next.maxFilesPerUpload)} files at a time`);
  dropHint.textContent = parts.length > 0 ? `${parts.join(' · ')}.` : 'Several files at once are fine.';
}

function visibility(): string {
  const checked = optionsForm.querySelector<HTMLInputElement>('input[name="visibility"]:checked');
  return checked?.value ?? 'public';
}

function currentOptions(): UploadOptions {
  return {
    expiresIn: expirySelect.value,
    visibility: visibility(),
    title: titleInput.value.trim(),
    watermark: watermarkInput.value.trim().slice(0, 64),
  };
}

function rememberOptions(): void {
  prefs.expiresIn = expirySelect.value;
  prefs.visibility = visibility();
  savePrefs(prefs);
}

if (prefs.visibility) {
  const radio = optionsForm.querySelector<HTMLInputElement>(
    `input[name="visibility"][value="${CSS.escape(prefs.visibility)}"]`,
  );
  if (radio) radio.checked = true;
}
applyLimits(DEFAULT_LIMITS);
optionsForm.addEventListener('change', rememberOptions);
optionsForm.addEventListener('submit', (event) => {
  event.preventDefault();
});

fetchLimits()
  .then(applyLimits)
  .catch((err: unknown) => {
    const message = err instanceof ApiError ? err.message : 'Unknown error.';
    limitsNotice.textContent = `Could not load the server's upload limits: ${message} Uploads still work; the server checks each file.`;
    limitsNotice.hidden = false;
  });

// ---- Uploading -----------------------------------------------------------------------------

function validate(file: File): ApiError | null {
  if (file.size === 0) return new ApiError('EMPTY_FILE', 'This file is empty.');
  if (limits.maxUploadBytes > 0 && file.size > limits.maxUploadBytes) {
    return new ApiError(
      'FILE_TOO_LARGE',
      `This file is ${formatBytes(file.size)}; the limit is ${formatBytes(limits.maxUploadBytes)}.`,
    );
  }
  if (file.type && !file.type.startsWith('image/')) {
    return new ApiError('UNSUPPORTED_FORMAT', 'This is not an image.');
  }
  const format = file.type ? formatOfMime(file.type) : null;
  if (format && limits.allowedFormats.length > 0 && !limits.allowedFormats.includes(format)) {
    return new ApiError('UNSUPPORTED_FORMAT', `${formatLabel(format)} images are not accepted here.`);
  }
  return null;
}

function handleFiles(files: readonly File[]): void {
  if (files.length === 0) return;
  const options = currentOptions();
  const max = limits.maxFilesPerUpload;
  resultsSection.hidden = false;
  let added = 0;
  files.forEach((file, index) => {
    const tooMany =
      max > 0 && index >= max
        ? new ApiError(
            'TOO_MANY_FILES',
            `Only ${String(max)} files can be uploaded at a time. Add this one again afterwards.`,
          )
        : null;
    const card = new UploadCard(
      file,
      options,
      {
        queue,
        onUploaded: (image) => {
          store.add(image);
        },
        onDismiss: (dismissed) => {
          dismissed.dispose();
          cards.delete(dismissed);
          updateResultsSection();
          dropZone.focus();
        },
      },
      tooMany ?? validate(file),
    );
    cards.add(card);
    resultsList.prepend(card.element);
    added += 1;
  });
  announce(added === 1 ? 'Uploading 1 file' : `Uploading ${String(added)} files`);
}

function updateResultsSection(): void {
  resultsSection.hidden = cards.size === 0;
}

clearResults.addEventListener('click', () => {
  for (const card of cards) {
    if (card.finished) {
      card.dispose();
      cards.delete(card);
    }
  }
  updateResultsSection();
  if (resultsSection.hidden) dropZone.focus();
});

// Picker: the drop zone is a real button, so Enter and Space open it too.
dropZone.addEventListener('click', () => {
  fileInput.click();
});
fileInput.addEventListener('change', () => {
  handleFiles(Array.from(fileInput.files ?? []));
  fileInput.value = '';
});

// Drag and drop: anywhere on the page, with the drop zone highlighted.
function hasFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}
let dragDepth = 0;
function setDragging(on: boolean): void {
  document.body.classList.toggle('is-dragging', on);
  dropZone.classList.toggle('is-over', on);
}
document.addEventListener('dragenter', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth += 1;
  setDragging(true);
});
document.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('dragleave', (event) => {
  if (!hasFiles(event)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) setDragging(false);
});
document.addEventListener('drop', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth = 0;
  setDragging(false);
  handleFiles(Array.from(event.dataTransfer?.files ?? []));
});

// Paste: images pasted anywhere on the page (text pastes into fields are left alone).
document.addEventListener('paste', (event) => {
  const data = event.clipboardData;
  if (!data) return;
  const files: File[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    const file = item.getAsFile();
    if (file) files.push(named(file, files.length));
  }
  if (files.length === 0) return;
  event.preventDefault();
  handleFiles(files);
});

/** Pasted images are usually all called "image.png"; give them distinct, dated names. */
function named(file: File, index: number): File {
  if (file.name && file.name !== 'image.png' && file.name !== 'image.jpg') return file;
  const ext = formatOfMime(file.type) === 'jpeg' ? 'jpg' : (file.type.split('/')[1] ?? 'png').replace(/\W.*$/, '');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const suffix = index > 0 ? `-${String(index + 1)}` : '';
  return new File([file], `pasted-${stamp}${suffix}.${ext}`, { type: file.type, lastModified: Date.now() });
}

void new AccountUi().start();
