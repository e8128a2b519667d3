// Reports the first painted frame, exactly as Stripe Desk's page does.
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI__.core.invoke("first_paint")));
