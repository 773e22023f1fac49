import { describe, expect, it } from '@jest/globals';
import bbobHtml from '@bbob/html';
import presetHtml5 from '@bbob/preset-html5';
import { marked } from 'marked';
import { parseFragment, type DefaultTreeAdapterTypes } from 'parse5';
import { buildLinks } from './links.js';

/**
 * The embed codes are pasted into forums, READMEs and pages that render them: whatever the title
 * holds, each must render to exactly one link around exactly one image of this image, with the
 * title only as the image's alt text. Checked with real renderers (marked with HTML allowed, as
 * GitHub-style renderers do; BBob for BBCode) and a real HTML parser (parse5).
 */
type Node = DefaultTreeAdapterTypes.ChildNode;

const image = { id: 'Ab12Cd34Ef56', format: 'png' as const, hasAlpha: false };
const ORIGIN = 'https://img.example.com';

function elements(html: string): { tag: string; attrs: Record<string, string> }[] {
  const found: { tag: string; attrs: Record<string, string> }[] = [];
  const walk = (nodes: Node[]) => {
    for (const node of nodes) {
      if ('tagName' in node) {
        found.push({ tag: node.tagName, attrs: Object.fromEntries(node.attrs.map((a) => [a.name, a.value])) });
        walk(node.childNodes);
      }
    }
  };
  walk(parseFragment(html).childNodes);
  return found;
}

function expectOneLinkedImage(html: string, alt: string | undefined): void {
  const found = elements(html).filter((e) => e.tag !== 'p');
  expect(found.map((e) => e.tag)).toEqual(['a', 'img']);
  const [a, img] = found;
  expect(a!.attrs).toEqual({ href: `${ORIGIN}/v/${image.id}` });
  expect(img!.attrs.src).toBe(`${ORIGIN}/i/${image.id}.png`);
  expect(Object.keys(img!.attrs).sort()).toEqual(alt === undefined ? ['src'] : ['alt', 'src']);
  if (alt !== undefined) expect(img!.attrs.alt).toBe(alt);
}

const HOSTILE_TITLES = [
  ['blank lines then HTML', 'holiday\n\n<img src=x onerror=alert(1)>', 'holiday <img src=x onerror=alert(1)>'],
  ['a closing bracket and a link', 'x](javascript:alert(1)) [y', 'x](javascript:alert(1)) [y'],
  ['quotes and angle brackets', '"><script>alert(1)</script>', '"><script>alert(1)</script>'],
  ['backslashes and emphasis', '\\*bold* _it_ `code`', '\\*bold* _it_ `code`'],
  ['a right-to-left override', 'photo\u202Egnp.exe', 'photo gnp.exe'],
  ['an HTML comment opener', '<!-- hidden', '<!-- hidden'],
] as const;

describe('embed codes rendered by real renderers', () => {
  it.each(HOSTILE_TITLES)(
    'when the title holds %s, then the Markdown renders one linked image with the title as alt text',
    async (_what, title, alt) => {
      const { markdown } = buildLinks(ORIGIN, { ...image, title });
      expectOneLinkedImage(await marked.parse(markdown, { async: true }), alt);
    },
  );

  it.each(HOSTILE_TITLES)(
    'when the title holds %s, then the HTML code parses to one linked image with the title as alt text',
    (_what, title, alt) => {
      expectOneLinkedImage(buildLinks(ORIGIN, { ...image, title }).html, alt);
    },
  );

  it('when the BBCode is rendered, then it is one linked image', () => {
    const { bbcode } = buildLinks(ORIGIN, { ...image, title: '[/img][url=javascript:alert(1)]x[/url]' });
    expectOneLinkedImage(bbobHtml(bbcode, presetHtml5()), undefined);
  });

  it('when the image has no title, then its id is the alt text', async () => {
    const { markdown } = buildLinks(ORIGIN, { ...image, title: null });
    expectOneLinkedImage(await marked.parse(markdown, { async: true }), image.id);
  });
});
