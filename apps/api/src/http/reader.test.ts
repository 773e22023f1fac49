import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { isPreview } from './reader.js';

function request(method: string, headers: Record<string, string>): Request {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, get: (name: string) => lower[name.toLowerCase()] } as unknown as Request;
}

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('isPreview', () => {
  it('when a browser or a command-line client GETs, then it is a reader', () => {
    for (const agent of [CHROME, 'curl/8.5.0', 'Wget/1.21.4', 'python-requests/2.32.3', 'HTTPie/3.2.4', '']) {
      expect([agent, isPreview(request('GET', { 'User-Agent': agent }))]).toEqual([agent, false]);
    }
  });

  it('when link previewers and crawlers GET, then they only preview', () => {
    for (const agent of [
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'TelegramBot (like TwitterBot)',
      'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
      'WhatsApp/2.23.20.0',
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      'Twitterbot/1.0',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ]) {
      expect([agent, isPreview(request('GET', { 'User-Agent': agent }))]).toEqual([agent, true]);
    }
  });

  it('when the request is HEAD or a prefetch, then it only previews', () => {
    expect(isPreview(request('HEAD', { 'User-Agent': CHROME }))).toBe(true);
    expect(isPreview(request('GET', { 'User-Agent': CHROME, Purpose: 'prefetch' }))).toBe(true);
    expect(isPreview(request('GET', { 'User-Agent': CHROME, 'Sec-Purpose': 'prefetch;prerender' }))).toBe(true);
  });
});
