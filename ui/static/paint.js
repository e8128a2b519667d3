// Reports the first painted frame for scripts/bench-startup.sh. The bare
// window (bench/bare-window) loads this same file, so both measure alike.
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI__.core.invoke("app_first_paint")));
