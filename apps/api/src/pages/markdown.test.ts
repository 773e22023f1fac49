import { describe, expect, it } from '@jest/globals';
import { parseFragment, type DefaultTreeAdapterTypes } from 'parse5';
import { renderMarkdown } from './markdown.js';

const ORIGIN = 'https://pictor.example';

type Element = DefaultTreeAdapterTypes.Element;

/** Every element of the rendered HTML as a browser's parser builds it. */
function elements(html: string): Element[] {
  const found: Element[] = [];
  const walk = (node: DefaultTreeAdapterTypes.ParentNode) => {
    for (const child of node.childNodes) {
      if ('tagName' in child) {
        found.push(child);
        walk(child);
        if (child.tagName === 'template') walk((child as DefaultTreeAdapterTypes.Template).content);
      }
    }
  };
  walk(parseFragment(html));
  return found;
}

const PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">click</a>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](  javascript&#58;alert(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '<iframe src="https://evil.example/"></iframe>',
  '<svg onload=alert(1)><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<details open ontoggle=alert(1)>x</details>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<object data="https://evil.example/x.swf"></object>',
  '<form action="https://evil.example/"><input name=q><button>go</button></form>',
  '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
  '<base href="https://evil.example/">',
  '<link rel=stylesheet href="https://evil.example/x.css">',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '![x](javascript:alert(1))',
  '<a href="https://example.org" onclick="alert(1)" target="_top">ok</a>',
];

describe('renderMarkdown', () => {
  it('when the text is Markdown, then headings, lists, emphasis, code, tables and links render', () => {
    const html = renderMarkdown(
      '# Title\n\n## Part\n\n- one\n- **two**\n\n1. first\n\n`inline < code`\n\n```js\nif (a < b) {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[docs](https://example.org/docs)\n',
      ORIGIN,
    );
    const tags = elements(html).map((e) => e.tagName);
    for (const tag of ['h1', 'h2', 'ul', 'ol', 'li', 'strong', 'code', 'pre', 'table', 'td', 'a']) {
      expect(tags).toContain(tag);
    }
    expect(html).toContain('if (a &lt; b) {}');
    const link = elements(html).find((e) => e.tagName === 'a')!;
    expect(link.attrs).toEqual(
      expect.arrayContaining([
        { name: 'href', value: 'https://example.org/docs' },
        { name: 'rel', value: 'nofollow noopener noreferrer' },
      ]),
    );
  });

  it.each(PAYLOADS)('when the text holds %s, then no script, handler, frame or script URL survives', (payload) => {
    const html = renderMarkdown(`Before\n\n${payload}\n\nafter`, ORIGIN);
    for (const element of elements(html)) {
      expect([
        'script',
        'iframe',
        'svg',
        'math',
        'object',
        'embed',
        'form',
        'meta',
        'base',
        'link',
        'style',
      ]).not.toContain(element.tagName);
      for (const attr of element.attrs) {
        expect(attr.name).not.toMatch(/^on|^style$|^target$|^xlink:|^formaction$|^srcdoc$/i);
        if (attr.name === 'href' || attr.name === 'src') expect(attr.value).toMatch(/^(https?:|mailto:|\/|[^:]*$)/i);
      }
    }
    expect(html).toContain('Before');
  });

  it("when an image is on another site, then it becomes a link (nothing loads from elsewhere); Pictor's own images show", () => {
    const html = renderMarkdown(
      `![tracker](https://evil.example/t.png) ![cat](${ORIGIN}/i/abc.webp) ![rel](/i/def.png)`,
      ORIGIN,
    );
    const images = elements(html).filter((e) => e.tagName === 'img');
    expect(images.map((i) => i.attrs.find((a) => a.name === 'src')?.value)).toEqual([
      `${ORIGIN}/i/abc.webp`,
      '/i/def.png',
    ]);
    const link = elements(html).find((e) => e.tagName === 'a')!;
    expect(link.attrs).toContainEqual({ name: 'href', value: 'https://evil.example/t.png' });
    expect(html).toContain('>tracker</a>');
  });

  it('when a task list is rendered, then its boxes are disabled checkboxes', () => {
    const html = renderMarkdown('- [x] done\n- [ ] open\n', ORIGIN);
    const boxes = elements(html).filter((e) => e.tagName === 'input');
    expect(boxes).toHaveLength(2);
    for (const box of boxes) expect(box.attrs.map((a) => a.name)).toContain('disabled');
  });
});
