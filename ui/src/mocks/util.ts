import type { Answer, CommandName } from '../lib/api';

/** The JSON arguments of a call, as `invoke` passes them (camelCase keys). */
export type Args = Record<string, unknown>;

/** Mock handlers by command name, each answering the shape the generated bindings promise: a
 *  handler answering the wrong shape fails `npm run check`. */
export type Handlers = { [K in CommandName]?: (args: Args) => Answer<K> | Promise<Answer<K>> };

/** Fails a mock command the way the Rust side does (an ApiError body). */
export function reject(code: string, messageKey: string, detail: string): never {
  throw { code, message_key: messageKey, detail };
}
