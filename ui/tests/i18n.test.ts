import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vi as viDict } from '../src/lib/i18n/vi';
import { en } from '../src/lib/i18n/en';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function rustFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...rustFiles(p));
    else if (p.endsWith('.rs')) out.push(p);
  }
  return out;
}

describe('dictionaries', () => {
  it('have the same keys and placeholders in both languages', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(viDict).sort());
    for (const [k, v] of Object.entries(viDict)) {
      expect(v.trim(), k).not.toBe('');
      expect(placeholders(en[k as keyof typeof en]), k).toEqual(placeholders(v));
    }
  });

  it('Vietnamese text is NFC-normalised', () => {
    for (const [k, v] of Object.entries(viDict)) {
      expect(v, k).toBe(v.normalize('NFC'));
    }
  });

  it('contain every message key the Rust side can send', () => {
    const roots = ['../core/src', '../src-tauri/src'];
    const keys = new Set<string>();
    for (const root of roots) {
      for (const f of rustFiles(root)) {
        for (const m of readFileSync(f, 'utf8').matchAll(/"((?:errors|validation|cccd|people|documents|photo|catalog|dossier|draft|form|sync|account|payment|vietqr|result|visits|consent|lock|handoff)\.[a-z0-9_.]+)"/g)) {
          keys.add(m[1]!);
        }
      }
    }
    expect(keys.size).toBeGreaterThan(3);
    for (const k of keys) {
      expect(Object.prototype.hasOwnProperty.call(viDict, k), `missing UI text for ${k}`).toBe(true);
    }
  });
});
