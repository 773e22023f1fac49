/** Remembers the last expiry and visibility choices in localStorage. */

export interface Prefs {
  expiresIn?: string;
  visibility?: string;
}

const KEY = 'pictor.prefs.v1';

export function loadPrefs(): Prefs {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { expiresIn, visibility } = parsed as Record<string, unknown>;
    return {
      ...(typeof expiresIn === 'string' ? { expiresIn } : {}),
      ...(typeof visibility === 'string' ? { visibility } : {}),
    };
  } catch {
    return {};
  }
}

export function savePrefs(prefs: Prefs): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // Storage unavailable: nothing to remember.
  }
}
