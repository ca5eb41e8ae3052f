export type Handlers = Record<string, (args: Record<string, unknown>) => unknown>;

/** Fails a mock command the way the Rust side does (an ApiError body). */
export function reject(code: string, messageKey: string, detail: string): never {
  throw { code, message_key: messageKey, detail };
}
