/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A server-rendered page: works without JavaScript, styled by /static/pages.css. */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Pictor</title>
<link rel="stylesheet" href="/static/pages.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<header><a class="brand" href="/">Pictor</a></header>
<main>
${body}
</main>
</body>
</html>`;
}

export function copyField(label: string, value: string): string {
  const id = `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return `<div class="field"><label for="${id}">${escapeHtml(label)}</label><input id="${id}" readonly value="${escapeHtml(value)}"></div>`;
}

export const PAGES_CSS = `
:root { color-scheme: light dark; --fg: #1d2129; --bg: #f7f7f9; --card: #fff; --muted: #5b6270; --accent: #3056d3; --line: #dfe2e8; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8eaf0; --bg: #14161b; --card: #1d2027; --muted: #a3a9b6; --accent: #7d9bff; --line: #2e323c; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 0.8rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--card); }
.brand { font-weight: 700; font-size: 1.2rem; color: var(--fg); text-decoration: none; }
main { max-width: 960px; margin: 0 auto; padding: 1.2rem; }
figure { margin: 0 0 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 0.8rem; text-align: center; }
figure img { max-width: 100%; height: auto; border-radius: 6px; }
figcaption { color: var(--muted); margin-top: 0.5rem; }
.field { display: grid; gap: 0.2rem; margin: 0.6rem 0; }
.field label { font-size: 0.85rem; color: var(--muted); }
.field input { width: 100%; padding: 0.45rem 0.6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); font: 0.9rem ui-monospace, monospace; }
.variants { display: flex; flex-wrap: wrap; gap: 0.4rem; padding: 0; list-style: none; }
.variants a { display: inline-block; padding: 0.2rem 0.55rem; border: 1px solid var(--line); border-radius: 999px; color: var(--accent); text-decoration: none; font-size: 0.85rem; }
.notice { padding: 0.8rem 1rem; border-radius: 8px; background: var(--card); border: 1px solid var(--line); }
.error { border-color: #d33; }
button { font: inherit; padding: 0.5rem 1rem; border-radius: 6px; border: 0; background: #c62828; color: #fff; cursor: pointer; }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
`;
