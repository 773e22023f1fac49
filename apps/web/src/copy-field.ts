/** A labelled read-only input with a Copy button. */

import { announce } from './announce';
import { copyText } from './clipboard';
import { h, uid } from './dom';

export function copyField(label: string, value: string, note?: string): HTMLElement {
  const id = uid('link');
  const noteId = note ? uid('note') : null;
  const input = h('input', {
    id,
    type: 'text',
    class: 'copy-input',
    readonly: true,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': noteId,
  });
  input.value = value;
  input.addEventListener('focus', () => {
    input.select();
  });

  const button = h(
    'button',
    { type: 'button', class: 'btn btn-small copy-button', 'aria-label': `Copy ${label}` },
    'Copy',
  );
  attachCopy(button, () => value, label, input);

  return h(
    'div',
    { class: 'copy-row' },
    h('label', { for: id, class: 'copy-label' }, label),
    h('div', { class: 'copy-control' }, input, button),
    note ? h('p', { id: noteId, class: 'hint copy-note' }, note) : null,
  );
}

/** Wires a button to copy a value, showing "Copied" on it and announcing it. */
export function attachCopy(
  button: HTMLButtonElement,
  value: () => string,
  label: string,
  source?: HTMLInputElement,
): void {
  const idle = button.textContent;
  let timer: number | undefined;
  button.addEventListener('click', () => {
    void copyText(value(), source).then((ok) => {
      window.clearTimeout(timer);
      button.textContent = ok ? 'Copied' : 'Copy failed';
      button.classList.toggle('is-copied', ok);
      announce(ok ? `Copied ${label}` : `Could not copy ${label}. Select the text and copy it by hand.`);
      timer = window.setTimeout(() => {
        button.textContent = idle;
        button.classList.remove('is-copied');
      }, 1600);
    });
  });
}
