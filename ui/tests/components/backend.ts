// A fake Rust side for component tests: Tauri's IPC replaced by handlers typed against the
// generated bindings (src/mocks/util.ts `Handlers`: a handler answering the wrong shape for its
// command fails `npm run check`), with every call recorded so a test can assert which command a
// tap sent and with which arguments. A call to a command the test gave no handler is recorded in
// `unexpected` and answered with an error, so a screen calling the wrong command fails the test.
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { CommandName } from '../../src/lib/api';
import type { Args, Handlers } from '../../src/mocks/util';

export interface Call {
  cmd: string;
  args: Args;
}

export interface FakeBackend {
  calls: Call[];
  unexpected: string[];
  /** The arguments of every call to `cmd`, in order. */
  argsOf(cmd: CommandName): Args[];
}

export function fakeBackend(handlers: Handlers): FakeBackend {
  clearMocks();
  const calls: Call[] = [];
  const unexpected: string[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Args;
    calls.push({ cmd, args });
    const handler = (handlers as Record<string, ((a: Args) => unknown) | undefined>)[cmd];
    if (!handler) {
      unexpected.push(cmd);
      throw { code: 'internal', message_key: 'errors.internal', detail: `no fake for ${cmd}` };
    }
    return handler(args);
  });
  return {
    calls,
    unexpected,
    argsOf: (cmd) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
  };
}
