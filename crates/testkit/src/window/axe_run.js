// Runs axe-core (its source comes just before this) on the page in the
// light and then the dark theme (data-theme on <html>, as a Settings choice
// sets it), then puts the page back as it was. Hands WebDriver one line per
// finding, each naming its theme. `LIST_INCOMPLETE` (set by the caller) adds
// the contrast axe could not decide, for a person to look at.
const done = arguments[arguments.length - 1];
const root = document.documentElement;
const before = root.getAttribute("data-theme");
const said = (n) =>
  "\n    " + n.target.join(" ") + " " + n.html.replace(/\s+/g, " ").slice(0, 160) + " — " + (n.failureSummary || "").replace(/\s+/g, " ");
// axe (like WCAG) leaves disabled controls out; their words must stay
// readable here too: 4.5:1 on their background, as painted (faded by
// opacity over the first opaque background behind them).
const channels = (colour) => (colour.match(/[\d.]+/g) || []).map(Number);
const opaque = (c) => c.length === 3 || c[3] === 1;
const luminance = ([r, g, b]) => {
  const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const behind = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = channels(getComputedStyle(e).backgroundColor);
    if (opaque(c)) return c.slice(0, 3);
  }
  return [255, 255, 255];
};
const mix = (a, b, t) => a.map((v, i) => v * t + b[i] * (1 - t));
const contrast = (e) => {
  let fade = 1;
  for (let p = e; p; p = p.parentElement) fade *= Number(getComputedStyle(p).opacity);
  const backdrop = behind(e.parentElement);
  const own = channels(getComputedStyle(e).backgroundColor);
  const [fg, bg] = [channels(getComputedStyle(e).color).slice(0, 3), opaque(own) ? own.slice(0, 3) : backdrop].map((c) => mix(c, backdrop, fade));
  const [a, b] = [luminance(fg), luminance(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
};
const unreadableDisabled = (theme) =>
  Array.from(document.querySelectorAll("button:disabled, input:disabled, select:disabled, textarea:disabled"))
    .filter((e) => e.checkVisibility() && e.type !== "checkbox" && e.type !== "radio")
    .map((e) => ({ e, ratio: contrast(e) }))
    .filter(({ ratio }) => ratio < 4.5)
    .map(({ e, ratio }) => `${theme} theme: disabled control's words at ${ratio.toFixed(2)}:1 (under 4.5:1)\n    ${e.outerHTML.replace(/\s+/g, " ").slice(0, 160)}`);
const lines = (theme, kind, results) => results.map((v) => `${theme} theme: ${kind}${v.id} (${v.impact}): ${v.help}${v.nodes.slice(0, 5).map(said).join("")}`);
(async () => {
  const found = [];
  const page = {};
  for (const theme of ["light", "dark"]) {
    root.setAttribute("data-theme", theme);
    page[theme] = getComputedStyle(root).backgroundColor;
    const r = await axe.run(document, { resultTypes: ["violations", "incomplete"] });
    found.push(...lines(theme, "", r.violations), ...unreadableDisabled(theme));
    if (LIST_INCOMPLETE) {
      // Icons and separators (not words) aside.
      const words = (n) => !/non-text characters|too short/.test(n.failureSummary || "");
      const review = r.incomplete.filter((v) => v.id === "color-contrast").map((v) => ({ ...v, nodes: v.nodes.filter(words) }));
      found.push(...lines(theme, "to review: ", review.filter((v) => v.nodes.length)));
    }
  }
  // A dark theme that changed nothing would pass the checks above twice.
  if (page.light === page.dark) found.push(`dark theme: the page looks as in the light theme (background ${page.dark})`);
  return found;
})()
  .catch((e) => ["axe failed: " + e])
  .then((found) => {
    if (before === null) root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", before);
    done(found);
  });
