/** Screen-reader announcements through the page's single polite live region (#live). */

let timer: number | undefined;

export function announce(message: string): void {
  const region = document.getElementById('live');
  if (!region) return;
  // Clear first so the same message ("Copied") is announced again when repeated.
  region.textContent = '';
  window.clearTimeout(timer);
  timer = window.setTimeout(() => {
    region.textContent = message;
  }, 60);
}
