// The theme chosen in Settings, before anything paints (kept in the
// webview's storage by prefs.ts; the settings file is read after).
try {
  const theme = localStorage.getItem("stripe-desk-theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
} catch {
  // No storage: the system's theme until the settings are read.
}
// Loads the app's code after the first painted frame: the shell in
// index.html (sidebar, header, "Loading…") shows at once, and the screens
// fill in a moment later. paint.js's report is queued first, so it runs first.
requestAnimationFrame(() => requestAnimationFrame(() => import("./main.js")));
