// Whether the device reports a network connection. Later the sync runner refines this with
// whether the server is actually reachable.
export const net = $state({ online: typeof navigator === 'undefined' ? true : navigator.onLine });

export function watchNetwork(): void {
  window.addEventListener('online', () => (net.online = true));
  window.addEventListener('offline', () => (net.online = false));
}
