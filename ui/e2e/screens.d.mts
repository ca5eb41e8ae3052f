export interface LaneScreen {
  name: string;
  path: string;
  screen?: string;
  prepare?: (page: unknown) => Promise<void>;
}
export const screens: LaneScreen[];
export function syntheticPortraitPng(w?: number, h?: number): Buffer;
