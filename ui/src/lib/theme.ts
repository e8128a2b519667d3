// The light or dark theme, as style.css decides it (the system's setting,
// or data-theme on <html>), for what paints outside CSS: the chart's canvas.

/** A palette colour (`--chart-net`) as `el` shows it now, as "rgb(…)": the
 * palette's `light-dark()` resolved for the theme in use. */
export function paletteColour(el: HTMLElement, name: string): string {
  const probe = document.createElement("span");
  probe.hidden = true;
  probe.style.color = `var(${name})`;
  el.appendChild(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}

/** Calls `changed` whenever the theme may have changed: the system's setting
 * or data-theme. Returns what stops listening. */
export function onThemeChange(changed: () => void): () => void {
  const system = window.matchMedia("(prefers-color-scheme: dark)");
  system.addEventListener("change", changed);
  const attribute = new MutationObserver(changed);
  attribute.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => {
    system.removeEventListener("change", changed);
    attribute.disconnect();
  };
}
