import { createRequire } from 'node:module';
import type { PasteLanguage } from '@pictor/core';
import { escapeHtml } from './html.js';

/** The part of highlight.js used here. */
interface Highlighter {
  registerLanguage(name: string, grammar: unknown): void;
  highlight(code: string, options: { language: string; ignoreIllegals: boolean }): { value: string };
  highlightAuto(code: string, subset: string[]): { language?: string; relevance: number };
}

// Loaded without its type declarations: they pull the DOM's types into every program that
// compiles this file (and with them browser typings of fetch and friends).
const require = createRequire(import.meta.url);
const hljs = require('highlight.js/lib/core') as Highlighter;
const grammar = (name: string): unknown => require(`highlight.js/lib/languages/${name}`);

const LANGUAGES: Record<PasteLanguage, unknown> = {
  plaintext: grammar('plaintext'),
  bash: grammar('bash'),
  c: grammar('c'),
  cpp: grammar('cpp'),
  csharp: grammar('csharp'),
  css: grammar('css'),
  diff: grammar('diff'),
  go: grammar('go'),
  ini: grammar('ini'),
  java: grammar('java'),
  javascript: grammar('javascript'),
  json: grammar('json'),
  kotlin: grammar('kotlin'),
  markdown: grammar('markdown'),
  php: grammar('php'),
  python: grammar('python'),
  ruby: grammar('ruby'),
  rust: grammar('rust'),
  sql: grammar('sql'),
  typescript: grammar('typescript'),
  xml: grammar('xml'),
  yaml: grammar('yaml'),
};
// Only these ~20 grammars exist in this instance: detection over all 190 took seconds and guessed wrong.
for (const [name, definition] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, definition);
const DETECTABLE = Object.keys(LANGUAGES).filter((name) => name !== 'plaintext');

/** Larger texts are shown escaped but not highlighted: highlighting runs on the request path. */
export const HIGHLIGHT_MAX_BYTES = 256 * 1024;
/** Detection looks at the start of the text only (tens of ms instead of seconds). */
const DETECT_SAMPLE_CHARS = 4096;

export interface Highlighted {
  /** The language used, or null when the text is shown plain. */
  language: string | null;
  /** One HTML fragment per line; highlight.js escapes the text, so the text never becomes markup. */
  lines: string[];
}

/** The text as highlighted HTML lines, in `language` or the one detected among the common ones. */
export function highlightPaste(text: string, language: PasteLanguage | null): Highlighted {
  if (Buffer.byteLength(text, 'utf8') > HIGHLIGHT_MAX_BYTES) {
    return { language: null, lines: text.split('\n').map(escapeHtml) };
  }
  let chosen: string | null = language;
  if (chosen === null) {
    const guess = hljs.highlightAuto(text.slice(0, DETECT_SAMPLE_CHARS), DETECTABLE);
    chosen = guess.relevance >= 5 && guess.language ? guess.language : 'plaintext';
  }
  const html = hljs.highlight(text, { language: chosen, ignoreIllegals: true }).value;
  return { language: chosen, lines: splitLines(html) };
}

/**
 * Splits highlight.js output into lines, closing the spans still open at each line end and
 * reopening them on the next, so every line is balanced HTML (for line numbers and wrapping).
 */
export function splitLines(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let current = '';
  const token = /<span class="[^"]*">|<\/span>|\n|[^<\n]+/g;
  for (const match of html.matchAll(token)) {
    const part = match[0];
    if (part === '\n') {
      lines.push(current + '</span>'.repeat(open.length));
      current = open.join('');
    } else if (part === '</span>') {
      open.pop();
      current += part;
    } else {
      if (part.startsWith('<span')) open.push(part);
      current += part;
    }
  }
  lines.push(current);
  return lines;
}
