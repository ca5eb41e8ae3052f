// The unread status changes shown as a badge on the Đồng bộ tab.
export const syncBadge = $state({ unread: 0 });
