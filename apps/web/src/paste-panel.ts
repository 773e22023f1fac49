import { call } from './account-api';
import { announce } from './announce';
import { ApiError, type Limits } from './api';
import { byId, h } from './dom';
import { expiryLabel } from './format';

/** The languages the server highlights (see PASTE_LANGUAGES in @pictor/core); "auto" detects. */
const LANGUAGES = [
  ['auto', 'Detect'],
  ['plaintext', 'Plain text'],
  ['bash', 'Shell'],
  ['c', 'C'],
  ['cpp', 'C++'],
  ['csharp', 'C#'],
  ['css', 'CSS'],
  ['diff', 'Diff'],
  ['go', 'Go'],
  ['ini', 'INI / TOML'],
  ['java', 'Java'],
  ['javascript', 'JavaScript'],
  ['json', 'JSON'],
  ['kotlin', 'Kotlin'],
  ['markdown', 'Markdown'],
  ['php', 'PHP'],
  ['python', 'Python'],
  ['ruby', 'Ruby'],
  ['rust', 'Rust'],
  ['sql', 'SQL'],
  ['typescript', 'TypeScript'],
  ['xml', 'HTML / XML'],
  ['yaml', 'YAML'],
] as const;

export interface CreatedPaste {
  id: string;
  title: string | null;
  links: { view: string; short: string; raw: string; named: string | null };
  deleteToken: string;
  burnAfterReading: boolean;
  createdAt: string;
  expiresAt: string | null;
}

/** The "Text" tab: a paste box with its options, next to image upload. */
export class PastePanel {
  private readonly tabImages = byId('tab-images', HTMLButtonElement);
  private readonly tabText = byId('tab-text', HTMLButtonElement);
  private readonly uploadPanel = byId('upload-panel', HTMLElement);
  private readonly panel = byId('paste-panel', HTMLElement);
  private readonly form = byId('paste-form', HTMLFormElement);
  private readonly content = byId('paste-content', HTMLTextAreaElement);
  private readonly title = byId('paste-title', HTMLInputElement);
  private readonly language = byId('paste-language', HTMLSelectElement);
  private readonly expiry = byId('paste-expires-in', HTMLSelectElement);
  private readonly burn = byId('paste-burn', HTMLInputElement);
  private readonly error = byId('paste-error', HTMLParagraphElement);
  private readonly submit = byId('paste-submit', HTMLButtonElement);
  private readonly result = byId('paste-result', HTMLDivElement);

  constructor(private readonly onCreated: (paste: CreatedPaste) => void = () => undefined) {
    this.language.replaceChildren(...LANGUAGES.map(([value, label]) => h('option', { value, text: label })));
    this.tabImages.addEventListener('click', () => this.show('images'));
    this.tabText.addEventListener('click', () => this.show('text'));
    for (const tab of [this.tabImages, this.tabText]) {
      tab.addEventListener('keydown', (event) => {
        if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
        const next = tab === this.tabImages ? 'text' : 'images';
        this.show(next);
        (next === 'text' ? this.tabText : this.tabImages).focus();
      });
    }
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.create();
    });
  }

  applyLimits(limits: Limits): void {
    const current = this.expiry.value;
    this.expiry.replaceChildren(
      ...limits.expiryChoices.map((choice) => h('option', { value: choice, text: expiryLabel(choice) })),
    );
    this.expiry.value = limits.expiryChoices.includes(current) ? current : limits.expiryDefault;
  }

  private show(mode: 'images' | 'text'): void {
    const text = mode === 'text';
    this.tabText.setAttribute('aria-selected', String(text));
    this.tabImages.setAttribute('aria-selected', String(!text));
    this.tabText.tabIndex = text ? 0 : -1;
    this.tabImages.tabIndex = text ? -1 : 0;
    this.panel.hidden = !text;
    this.uploadPanel.hidden = text;
  }

  private async create(): Promise<void> {
    this.error.hidden = true;
    if (this.content.value.length === 0) {
      this.fail('Write or paste some text first.');
      this.content.focus();
      return;
    }
    const visibility = this.form.querySelector<HTMLInputElement>('input[name="visibility"]:checked')?.value ?? 'public';
    this.submit.disabled = true;
    try {
      const created = await call<CreatedPaste>('POST', '/pastes', {
        content: this.content.value,
        title: this.title.value.trim() || null,
        language: this.language.value,
        expiresIn: this.expiry.value,
        visibility,
        burnAfterReading: this.burn.checked,
      });
      this.showResult(created);
      this.onCreated(created);
      this.form.reset();
      announce('Paste created.');
    } catch (err) {
      this.fail(err instanceof ApiError ? err.message : 'The paste could not be created.');
    } finally {
      this.submit.disabled = false;
    }
  }

  private fail(message: string): void {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  private showResult(paste: CreatedPaste): void {
    const link = (label: string, href: string) =>
      h('li', {}, `${label}: `, h('a', { href, class: 'paste-link', text: href }));
    this.result.replaceChildren(
      h('h3', { text: paste.burnAfterReading ? 'Created — it is deleted once read' : 'Created' }),
      h(
        'ul',
        { class: 'paste-links' },
        link('Link', paste.links.view),
        paste.links.named ? link('Short link', paste.links.short) : null,
        paste.burnAfterReading ? null : link('Raw', paste.links.raw),
      ),
      h('p', { class: 'hint', text: `Delete token (shown once): ${paste.deleteToken}` }),
    );
    this.result.hidden = false;
  }
}
