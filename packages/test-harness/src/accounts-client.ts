/** A test client that keeps cookies like a browser and speaks the accounts API. */
export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export class AccountsClient {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;
  bearer: string | undefined;

  constructor(
    readonly baseUrl: string,
    /** Headers a browser adds on its own (Origin, Sec-Fetch-Site); default: same-origin. */
    readonly browserHeaders: Record<string, string> = { 'Sec-Fetch-Site': 'same-origin' },
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { json?: unknown; body?: FormData | URLSearchParams | string; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...this.browserHeaders, ...options.headers };
    if (this.cookies.size > 0) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrfToken && method !== 'GET') headers['X-CSRF-Token'] ??= this.csrfToken;
    if (this.bearer) headers.Authorization ??= `Bearer ${this.bearer}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // Not JSON (a .sxcu download is, an HTML page is not): the text itself.
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  async register(username: string, email: string, password: string) {
    return this.request('POST', '/api/v1/auth/register', { json: { username, email, password } });
  }

  async login(login: string, password: string) {
    const answer = await this.request<{ csrfToken?: string }>('POST', '/api/v1/auth/login', {
      json: { login, password },
    });
    if (answer.status === 200) this.csrfToken = answer.body.csrfToken;
    return answer;
  }

  async createToken(name: string, scopes: string[], expiresIn = 'never') {
    const answer = await this.request<{ token: string; id: string }>('POST', '/api/v1/account/tokens', {
      json: { name, scopes, expiresIn },
    });
    return answer;
  }

  async upload(file: Buffer, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file)]), 'photo.png');
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return this.request<{ images: { id: string; deleteToken: string; links: Record<string, string> }[] }>(
      'POST',
      '/api/v1/images',
      { body: form, headers },
    );
  }
}

/** The error code of an answer, or undefined. */
export const codeOf = (answer: Answer<unknown>): string | undefined =>
  (answer.body as { error?: { code?: string } } | undefined)?.error?.code;

/** The one-time code in a reset message's text. */
export function resetCodeIn(text: string): string {
  const match = /Your code: ([34679ACDEFGHJKMNPQRTUVWXY]{10})/.exec(text);
  if (!match?.[1]) throw new Error(`no reset code in: ${text}`);
  return match[1];
}
