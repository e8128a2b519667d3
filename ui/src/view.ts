// A view is a part of a screen: an element and what it made that must go
// with it (listeners on elements it does not own, timers, a chart, other
// views). `dispose()` undoes all of it; a disposed view's late answers
// change nothing.

export interface View {
  readonly el: HTMLElement;
  dispose(): void;
}

/** What a view made, undone in reverse order by `dispose()`. */
export class Scope {
  private readonly undo: Array<() => void> = [];
  private gone = false;

  get disposed(): boolean {
    return this.gone;
  }

  /** Listens on `target` until the view goes. */
  on<K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K, fn: (ev: HTMLElementEventMap[K]) => void, options?: AddEventListenerOptions): void;
  on(target: EventTarget, type: string, fn: (ev: Event) => void, options?: AddEventListenerOptions): void;
  on(target: EventTarget, type: string, fn: (ev: Event) => void, options?: AddEventListenerOptions): void {
    target.addEventListener(type, fn, options);
    this.undo.push(() => target.removeEventListener(type, fn, options));
  }

  /** Runs `fn` after `ms`, unless the view goes first. */
  later(fn: () => void, ms: number): number {
    const id = window.setTimeout(fn, ms);
    this.undo.push(() => window.clearTimeout(id));
    return id;
  }

  /** A view (or anything with `dispose`) that goes with this one. */
  own<T extends { dispose(): void }>(part: T): T {
    this.undo.push(() => part.dispose());
    return part;
  }

  /** Anything else to undo when the view goes. */
  defer(fn: () => void): void {
    this.undo.push(fn);
  }

  dispose(): void {
    this.gone = true;
    for (const fn of this.undo.splice(0).reverse()) fn();
  }
}
