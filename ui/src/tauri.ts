// The only door to the Rust side: Tauri's global API (`withGlobalTauri`),
// typed here, with every failure turned into an `AppError`.

import type { AppError } from "./bindings/AppError";

type UnlistenFn = () => void;

interface TauriEvent<T> {
  event: string;
  id: number;
  payload: T;
}

interface TauriGlobal {
  core: {
    invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T>;
    Channel: new <T>() => { onmessage: (message: T) => void };
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

function tauri(): TauriGlobal {
  const t = window.__TAURI__;
  if (!t) {
    throw toAppError({ code: "no_backend", message: "Stripe Desk's window is not connected to the app (no Tauri API).", param: null, request_id: null });
  }
  return t;
}

export function isAppError(e: unknown): e is AppError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { message?: unknown }).message === "string"
  );
}

/** Whatever was thrown, as an `AppError` with plain words. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) {
    const err: AppError = { code: e.code, message: e.message, param: e.param ?? null, request_id: e.request_id ?? null };
    if (e.stripe_message) err.stripe_message = e.stripe_message;
    if (e.status) err.status = e.status;
    return err;
  }
  if (typeof e === "string") {
    return { code: "internal", message: e, param: null, request_id: null };
  }
  if (e instanceof Error) {
    return { code: "internal", message: e.message, param: null, request_id: null };
  }
  return { code: "internal", message: "Something went wrong inside Stripe Desk.", param: null, request_id: null };
}

/** Calls a command; on failure throws an `AppError`. */
export async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await tauri().core.invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

/** A channel for one call's progress messages (Tauri's `ipc::Channel`). */
export function channel<T>(onmessage: (message: T) => void): unknown {
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
