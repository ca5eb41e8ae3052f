// The one place that talks to the Rust side. `commands` are the typed calls generated from the
// Rust commands (./bindings.ts: `cargo test -p dvc-app bindings` writes it), one per command,
// named like it (`commands.after_view(id)`), each failing with an ApiError. Commands that take
// raw bytes (a photo, a file) are sent with `invokeRaw`, typed by the same bindings.
import { invoke } from '@tauri-apps/api/core';
import { commands as generated, type ApiError as ApiErrorBody } from './bindings';

/** A command failed; `messageKey` is a UI dictionary key, `detail` is for support only. */
export class ApiError extends Error {
  readonly code: string;
  readonly messageKey: string;
  readonly detail: string;
  constructor(body: ApiErrorBody) {
    super(`${body.code}: ${body.detail}`);
    this.name = 'ApiError';
    this.code = body.code;
    this.messageKey = body.message_key;
    this.detail = body.detail;
  }
}

function isErrorBody(e: unknown): e is ApiErrorBody {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as ApiErrorBody).code === 'string' &&
    typeof (e as ApiErrorBody).message_key === 'string'
  );
}

/** Wraps whatever `invoke` rejected with into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isErrorBody(e)) return new ApiError(e);
  return new ApiError({ code: 'ipc', message_key: 'errors.internal', detail: String(e) });
}

export type Commands = typeof generated;
export type CommandName = keyof Commands;
/** What a command answers. (Not `ReturnType`: it gives `any` for a function taking `never`.) */
export type Answer<K extends CommandName> = Commands[K] extends (...args: never[]) => Promise<infer R> ? R : never;
/** The commands that read the raw request body (their generated function takes `never`). */
export type RawCommandName = {
  [K in CommandName]: Commands[K] extends (...args: infer P) => unknown ? (P extends [never] ? K : never) : never;
}[CommandName];

type AnyCommand = (...args: never[]) => Promise<unknown>;

function failingWithApiError<F extends AnyCommand>(f: F): F {
  return (async (...args: Parameters<F>) => {
    try {
      return await f(...args);
    } catch (e) {
      throw toApiError(e);
    }
  }) as F;
}

/** The app's commands, typed from Rust; a failure rejects with an ApiError. */
export const commands: Commands = Object.fromEntries(
  Object.entries(generated).map(([name, f]) => [name, failingWithApiError(f as AnyCommand)]),
) as Commands;

/** Calls a command that takes raw bytes as the body (a photo, a file) and its other arguments
 *  as headers. */
export async function invokeRaw<K extends RawCommandName>(
  command: K,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<Answer<K>> {
  try {
    return await invoke<Answer<K>>(command, body, { headers });
  } catch (e) {
    throw toApiError(e);
  }
}
