// App-wide sync hooks: "online again" starts a pass (the Rust side also syncs on start and every
// few minutes); a finished pass with status changes raises the Đồng bộ tab's badge.
import { onDone, syncApi } from './api';
import { syncBadge } from './badge.svelte';

export function watchSync(): void {
  window.addEventListener('online', () => {
    syncApi.now().catch(() => {});
  });
  syncApi.status().then(
    (s) => (syncBadge.unread = s.unread),
    () => {},
  );
  onDone(() => {
    syncApi.status().then(
      (s) => {
        if (!location.hash.startsWith('#/sync')) syncBadge.unread = s.unread;
      },
      () => {},
    );
  }).catch(() => {});
}
