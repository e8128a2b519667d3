// A tiny element builder. Text always goes in as text (never as HTML), so
// nothing the backend sends can become markup.

export type Child = Node | string | null | undefined | false;

export interface Props {
  id?: string;
  class?: string;
  text?: string;
  attrs?: Record<string, string | boolean | null | undefined>;
  data?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.id) el.id = props.id;
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.attrs) {
    for (const [name, value] of Object.entries(props.attrs)) {
      if (value === true) el.setAttribute(name, "");
      else if (typeof value === "string") el.setAttribute(name, value);
    }
  }
  if (props.data) {
    for (const [name, value] of Object.entries(props.data)) el.dataset[name] = value;
  }
  if (props.on) {
    for (const [name, handler] of Object.entries(props.on)) {
      if (handler) el.addEventListener(name, handler as EventListener);
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** Shows or hides with the `hidden` attribute (CSS keeps it hidden). */
export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

/** Sets the text of a field's message line; `kind` picks its colour and role.
 * An error Stripe answered also shows its request ID. */
export function setMessage(
  el: HTMLElement,
  text: string | null,
  kind: "error" | "hint" | "ok" = "error",
  requestId: string | null = null,
  stripe: StripeWords | null = null,
): void {
  el.textContent = text ?? "";
  if (text && kind === "error") append(el, requestIdLine(requestId), stripeWordsLine(stripe, text));
  el.classList.remove("is-error", "is-hint", "is-ok");
  if (text) el.classList.add(`is-${kind}`);
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.hidden = !text;
}

/** Disables every button (and listed inputs) while `work` runs. */
export async function busy<T>(els: Array<HTMLButtonElement | HTMLInputElement | HTMLSelectElement | null>, work: () => Promise<T>): Promise<T> {
  const list = els.filter((e): e is HTMLButtonElement | HTMLInputElement | HTMLSelectElement => e !== null);
  const before = list.map((e) => e.disabled);
  list.forEach((e) => {
    e.disabled = true;
  });
  try {
    return await work();
  } finally {
    list.forEach((e, i) => {
      e.disabled = before[i] ?? false;
    });
  }
}

/** An error's words for a result area, with Stripe's request ID under them. */
export function errorText(message: string, requestId: string | null): HTMLElement {
  return h("span", { class: "result-text" }, h("span", { text: message }), requestIdLine(requestId));
}

/** What Stripe itself answered, behind the plain words. */
export interface StripeWords {
  status?: number | null;
  message?: string | null;
}

/** "What Stripe said" folded under a refusal: the HTTP status and Stripe's
 * own message, one click away. Nothing when Stripe did not answer. */
export function stripeWordsLine(stripe: StripeWords | null, plain: string): HTMLElement | null {
  if (!stripe || (!stripe.status && !stripe.message)) return null;
  const said = [stripe.status ? `HTTP ${stripe.status}` : "", stripe.message && stripe.message !== plain ? stripe.message : ""]
    .filter((x) => x)
    .join(": ");
  if (!said) return null;
  return h("details", { class: "stripe-words" }, h("summary", { text: "What Stripe said" }), h("code", { text: said }));
}

/** "Request ID req_… [Copy]" under an error Stripe answered: the first
 * thing Stripe's support asks for. Nothing when there is no ID. */
export function requestIdLine(requestId: string | null): HTMLElement | null {
  if (!requestId) return null;
  const shown = h("code", { class: "request-id-value", text: requestId });
  const copy = h("button", {
    class: "btn ghost small request-id-copy",
    text: "Copy",
    attrs: { type: "button", "aria-label": `Copy request ID ${requestId}` },
  });
  copy.addEventListener("click", () => {
    void copyText(requestId, shown).then((ok) => {
      copy.textContent = ok ? "Copied" : "Press Ctrl+C";
      copy.setAttribute("aria-label", ok ? `Copied request ID ${requestId}` : `Press Ctrl+C to copy request ID ${requestId}`);
    });
  });
  return h("span", { class: "request-id" }, "Request ID ", shown, " ", copy);
}

export async function copyText(text: string, shown: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Some webviews refuse the async clipboard: select the ID so it can be
    // copied by hand, and try the older copy command.
    if (shown instanceof HTMLTextAreaElement || shown instanceof HTMLInputElement) {
      shown.focus();
      shown.select();
    } else {
      const range = document.createRange();
      range.selectNodeContents(shown);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    }
    return document.execCommand("copy");
  }
}

export function spinner(label: string): HTMLElement {
  return h("span", { class: "working" }, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), label);
}

let uid = 0;
export function nextId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}
