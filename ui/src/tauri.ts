// The only door to the Rust side: Tauri's global API (`withGlobalTauri`),
// typed by the list of commands (bindings/Commands.ts, generated from
// src-tauri/commands/list.rs), with every failure turned into an `AppError`.
// Screens call through ui/src/api/<capability>.ts, never from here.

import type { AppError } from "./bindings/AppError";
import type { Code } from "./bindings/Code";
import type { Channel, Commands } from "./bindings/Commands";

type UnlistenFn = () => void;

interface TauriEvent<T> {
  event: string;
  id: number;
  payload: T;
}

interface TauriGlobal {
  core: {
    invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown>;
    Channel: new <T>() => Channel<T>;
  };
  event: {
    listen<T>(event: string, handler: (event: TauriEvent<T>) => void): Promise<UnlistenFn>;
  };
}

declare global {
  interface Window {
    __TAURI__?: TauriGlobal;
  }
}

/** An error made by the window itself (no Stripe, nothing to try again). */
export function windowError(code: Code, message: string, param: string | null = null): AppError {
  return { code, message, param, request_id: null, retryable: false };
}

function tauri(): TauriGlobal {
  const t = window.__TAURI__;
  if (!t) {
    throw windowError("no_backend", "Stripe Desk's window is not connected to the app (no Tauri API).");
  }
  return t;
}

function isCode(c: unknown): c is Code {
  return typeof c === "string" || (typeof c === "object" && c !== null && typeof (c as { stripe?: unknown }).stripe === "string");
}

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && isCode((e as { code?: unknown }).code) && typeof (e as { message?: unknown }).message === "string";
}

/** Whatever was thrown, as an `AppError` with plain words. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) {
    const err: AppError = { code: e.code, message: e.message, param: e.param ?? null, request_id: e.request_id ?? null, retryable: e.retryable === true };
    if (e.stripe_message) err.stripe_message = e.stripe_message;
    if (e.status) err.status = e.status;
    return err;
  }
  if (typeof e === "string") return windowError("internal", e);
  if (e instanceof Error) return windowError("internal", e.message);
  return windowError("internal", "Something went wrong inside Stripe Desk.");
}

type Args<K extends keyof Commands> = Commands[K]["args"];

/** Calls a command of the list by name, with its arguments; on failure throws an `AppError`. */
export async function call<K extends keyof Commands>(
  name: K,
  ...args: Args<K> extends Record<string, never> ? [] : [Args<K>]
): Promise<Commands[K]["reply"]> {
  try {
    return (await tauri().core.invoke(name, args[0])) as Commands[K]["reply"];
  } catch (e) {
    throw toAppError(e);
  }
}

/** A channel for one call's progress messages (Tauri's `ipc::Channel`). */
export function channel<T>(onmessage: (message: T) => void): Channel<T> {
  const c = new (tauri().core.Channel)<T>();
  c.onmessage = onmessage;
  return c;
}

/** Listens to a broadcast event; the handler gets its payload. */
export async function listen<T>(event: string, handler: (payload: T) => void): Promise<UnlistenFn> {
  try {
    return await tauri().event.listen<T>(event, (e) => handler(e.payload));
  } catch (e) {
    throw toAppError(e);
  }
}
