/**
 * The follow button and notify toggle of `/u/<username>`, for a signed-in visitor who is not the
 * author (the page works without it). Plain JavaScript served as `/static/profile.js` under the
 * page CSP (`script-src 'self'`); it writes text only through `textContent`, and every change
 * carries the session's CSRF token like the account page's forms.
 */
export const PROFILE_JS = `
const box = document.getElementById('follow-controls');
async function call(method, path, body, csrf) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch('/api/v1' + path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) throw new Error((data.error && data.error.message) || 'Something went wrong; try again.');
  return data;
}
async function start() {
  if (!box) return;
  const username = box.dataset.username;
  const { account } = await call('GET', '/auth/session');
  if (!account || account.username === username) return;
  const csrf = account.csrfToken;
  const path = '/users/' + encodeURIComponent(username) + '/follow';
  let state = await call('GET', path);
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'follow-button';
  const label = document.createElement('label');
  const toggle = document.createElement('input');
  toggle.type = 'checkbox';
  toggle.id = 'follow-notify';
  label.append(toggle, ' Notify me of new images and pastes');
  const status = document.createElement('p');
  status.className = 'facts';
  status.setAttribute('role', 'status');
  const render = () => {
    button.textContent = state.following ? 'Unfollow' : 'Follow';
    button.setAttribute('aria-pressed', String(Boolean(state.following)));
    toggle.checked = Boolean(state.following && state.notify);
    toggle.disabled = !state.following;
  };
  const act = async (work, done) => {
    button.disabled = true;
    toggle.disabled = true;
    try {
      await work();
      status.textContent = done();
    } catch (error) {
      status.textContent = error.message;
    } finally {
      button.disabled = false;
      render();
    }
  };
  button.addEventListener('click', () =>
    act(
      async () => {
        if (state.following) {
          await call('DELETE', path, undefined, csrf);
          state = { following: false, notify: false };
        } else {
          state = await call('PUT', path, { notify: true }, csrf);
        }
      },
      () => (state.following ? 'You follow ' + username + '.' : 'You no longer follow ' + username + '.'),
    ),
  );
  toggle.addEventListener('change', () =>
    act(
      async () => {
        state = await call('PUT', path, { notify: toggle.checked }, csrf);
      },
      () => (state.notify ? 'You will be notified.' : 'You will not be notified.'),
    ),
  );
  render();
  box.replaceChildren(button, label, status);
  box.hidden = false;
}
start().catch(() => undefined);
`;
