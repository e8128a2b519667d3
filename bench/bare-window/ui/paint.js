// Reports the first painted frame: a copy of ui/static/paint.js, so that
// Stripe Desk and this bare window are measured alike.
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI__.core.invoke("app_first_paint")));
