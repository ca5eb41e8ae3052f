// App-wide sync hooks: "online again" starts a pass (the Rust side also syncs on start and every
// few minutes); a finished pass with status changes raises the Đồng bộ tab's badge.
import { onDone } from './api';
import { syncBadge } from './badge.svelte';
import { commands } from '../api';

export function watchSync(): void {
  window.addEventListener('online', () => {
    commands.sync_now().catch(() => {});
  });
  commands.sync_status().then(
    (s) => (syncBadge.unread = s.unread),
    () => {},
  );
  onDone(() => {
    commands.sync_status().then(
      (s) => {
        if (!location.hash.startsWith('#/sync')) syncBadge.unread = s.unread;
      },
      () => {},
    );
  }).catch(() => {});
}
