/** Copy to the clipboard with the async API, falling back to a selection + copy command. */

interface LegacyDocument {
  execCommand(commandId: string): boolean;
}

export async function copyText(text: string, source?: HTMLInputElement): Promise<boolean> {
  if (window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission denied or API missing: try the legacy path below.
    }
  }
  return legacyCopy(text, source);
}

function legacyCopy(text: string, source?: HTMLInputElement): boolean {
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  let field: HTMLInputElement | HTMLTextAreaElement;
  let temporary = false;
  if (source?.value === text) {
    field = source;
  } else {
    const area = document.createElement('textarea');
    area.value = text;
    area.readOnly = true;
    area.className = 'offscreen';
    document.body.append(area);
    field = area;
    temporary = true;
  }
  field.focus();
  field.select();
  field.setSelectionRange(0, text.length);
  let ok: boolean;
  try {
    ok = (document as unknown as LegacyDocument).execCommand('copy');
  } catch {
    ok = false;
  }
  if (temporary) field.remove();
  previous?.focus();
  return ok;
}
