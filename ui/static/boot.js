// Loads the app's code after the first painted frame: the shell in
// index.html (sidebar, header, "Loading…") shows at once, and the screens
// fill in a moment later. paint.js's report is queued first, so it runs first.
requestAnimationFrame(() => requestAnimationFrame(() => import("./main.js")));
