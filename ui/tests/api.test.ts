import { beforeEach, describe, expect, it, vi } from 'vitest';

// The webview's `invoke`, recorded; `after_view` fails the way a Rust command does.
const calls: unknown[][] = [];
vi.mock('@tauri-apps/api/core', () => ({
  invoke: async (command: string, args?: unknown, options?: unknown) => {
    calls.push([command, args, options]);
    if (command === 'after_view') throw { code: 'not_found', message_key: 'errors.not_found', detail: 'no dossier d9' };
    if (command === 'sync_now') throw 'command sync_now not allowed';
    return { answered: command };
  },
}));

const { ApiError, commands, invokeRaw } = await import('../src/lib/api');
const { commands: generated } = await import('../src/lib/bindings');

beforeEach(() => {
  calls.length = 0;
});

describe('commands', () => {
  it('are the generated ones, each one wrapped', () => {
    expect(Object.keys(commands).sort()).toEqual(Object.keys(generated).sort());
    expect(Object.keys(commands)).toContain('after_view');
  });

  it('pass the arguments by their Rust names in camelCase', async () => {
    await commands.after_cancel('d1', 'nộp nhầm');
    await commands.catalog_search('ho chieu', 20, null, 'province', null);
    expect(calls).toEqual([
      ['after_cancel', { dossierId: 'd1', reason: 'nộp nhầm' }, undefined],
      ['catalog_search', { query: 'ho chieu', limit: 20, field: null, level: 'province', serviceLevel: null }, undefined],
    ]);
  });

  it('fail with an ApiError carrying the message key', async () => {
    const e = await commands.after_view('d9').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 'not_found', messageKey: 'errors.not_found', detail: 'no dossier d9' });
  });

  it('turn a failure of the bridge itself into an ApiError too', async () => {
    const e = await commands.sync_now().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 'ipc', messageKey: 'errors.internal' });
  });
});

describe('invokeRaw', () => {
  it('sends the bytes as the body and the other arguments as headers', async () => {
    const body = new Uint8Array([0xff, 0xd8, 0xff]);
    await invokeRaw('photo_prepare', body, { 'x-photo-kind': 'portrait' });
    expect(calls).toEqual([['photo_prepare', body, { headers: { 'x-photo-kind': 'portrait' } }]]);
  });
});
