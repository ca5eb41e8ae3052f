// Which dossiers "Hồ sơ của tôi" shows to a volunteer working household after household: only the
// person being helped ("đang hỗ trợ", unless they asked for all), else one household's members,
// else everyone's.
interface HasApplicant {
  applicant_id: string | null;
}

export function narrow<T extends HasApplicant>(
  list: T[],
  helpingId: string | null,
  showAll: boolean,
  members: Set<string> | null,
): T[] {
  if (helpingId && !showAll) return list.filter((d) => d.applicant_id === helpingId);
  if (members) return list.filter((d) => d.applicant_id !== null && members.has(d.applicant_id));
  return list;
}
