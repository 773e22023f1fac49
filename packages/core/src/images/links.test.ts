import { describe, expect, it } from '@jest/globals';
import { buildDeleteLink, buildLinks } from './links.js';

describe('buildLinks', () => {
  const image = { id: 'Ab12Cd34Ef56', format: 'jpeg' as const, hasAlpha: false, title: null };

  it('when built, then every link sits on PUBLIC_URL and embeds link to the view page', () => {
    const links = buildLinks('https://img.example.com/', image);
    expect(links).toEqual({
      view: 'https://img.example.com/v/Ab12Cd34Ef56',
      direct: 'https://img.example.com/i/Ab12Cd34Ef56.jpg',
      thumbnail: 'https://img.example.com/i/Ab12Cd34Ef56/thumb.jpg',
      markdown: '[![Ab12Cd34Ef56](https://img.example.com/i/Ab12Cd34Ef56.jpg)](https://img.example.com/v/Ab12Cd34Ef56)',
      html: '<a href="https://img.example.com/v/Ab12Cd34Ef56"><img src="https://img.example.com/i/Ab12Cd34Ef56.jpg" alt="Ab12Cd34Ef56"></a>',
      bbcode: '[url=https://img.example.com/v/Ab12Cd34Ef56][img]https://img.example.com/i/Ab12Cd34Ef56.jpg[/img][/url]',
    });
  });

  it('when the image has alpha, then its thumbnail is a PNG', () => {
    expect(buildLinks('http://h', { ...image, format: 'webp', hasAlpha: true }).thumbnail).toBe(
      'http://h/i/Ab12Cd34Ef56/thumb.png',
    );
  });

  it('when the title holds markup, then the embed codes escape it', () => {
    const links = buildLinks('http://h', { ...image, title: '"><script>x</script>]' });
    expect(links.html).not.toContain('<script>');
    expect(links.html).toContain('&#34;&#62;&#60;script&#62;');
    expect(links.markdown).toContain('&#93;');
  });

  it('when a delete link is built, then the token is URL-encoded', () => {
    expect(buildDeleteLink('http://h/', 'Ab12Cd34Ef56', 'a+b/c')).toBe('http://h/delete/Ab12Cd34Ef56?token=a%2Bb%2Fc');
  });
});
