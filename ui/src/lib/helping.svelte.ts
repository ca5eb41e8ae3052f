// "Đang hỗ trợ": the person a volunteer is working for right now (one household after another,
// door to door). Shown in a bar under the top bar and used to narrow the dossier list. Kept in
// memory only — never written to storage, so no name outlives the app's process.

export const helping = $state<{ person: { id: string; name: string } | null }>({ person: null });

export function startHelping(id: string, name: string): void {
  helping.person = { id, name };
}

export function stopHelping(): void {
  helping.person = null;
}
