import { describe, expect, it } from '@jest/globals';
import { highlightPaste, splitLines } from './highlight.js';

describe('highlightPaste', () => {
  it('when the text is HTML with script, then it comes back escaped, never as markup', () => {
    const { lines } = highlightPaste('<script>alert("x")</script>\n<img src=x onerror=alert(1)>', 'plaintext');
    const html = lines.join('\n');
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;');
  });

  it('when the language is given, then it is used, with class-based spans only', () => {
    const { language, lines } = highlightPaste('def greet(name):\n    return f"hi {name}"\n', 'python');
    expect(language).toBe('python');
    expect(lines[0]).toContain('<span class="hljs-keyword">def</span>');
    expect(lines.join('')).not.toContain('style=');
  });

  it('when no language is given, then a common one is detected from the text', () => {
    const go = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello")\n}\n';
    expect(highlightPaste(go, null).language).toBe('go');
  });

  it('when a multi-line comment spans lines, then every line is balanced HTML', () => {
    const { lines } = highlightPaste('/* one\n two\n three */\nint x = 1;', 'c');
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect((line.match(/<span/g) ?? []).length).toBe((line.match(/<\/span>/g) ?? []).length);
    }
  });

  it('when the text is larger than the highlighting cap, then it is shown escaped and plain', () => {
    const big = '<b>x</b>\n'.repeat(40_000);
    const result = highlightPaste(big, 'xml');
    expect(result.language).toBeNull();
    expect(result.lines[0]).toBe('&#60;b&#62;x&#60;/b&#62;');
  });
});

describe('splitLines', () => {
  it('when a span is open at a line end, then it is closed there and reopened on the next line', () => {
    expect(splitLines('<span class="a">x\ny</span>z')).toEqual([
      '<span class="a">x</span>',
      '<span class="a">y</span>z',
    ]);
  });
});
