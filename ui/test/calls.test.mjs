// The window calls the app only through ui/src/api/<capability>.ts, whose
// calls `tsc` checks against the generated list of commands.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

const src = new URL("../src/", import.meta.url).pathname;

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === "bindings" ? [] : sources(join(dir, e.name))) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

test("screens call the app only through ui/src/api", () => {
  const direct = [];
  for (const file of sources(src)) {
    const path = relative(src, file);
    if (path === "tauri.ts" || path.startsWith("api/")) continue;
    const text = readFileSync(file, "utf8");
    const imported = /import\s*\{([^}]*)\}\s*from\s*"[./]*tauri\.js"/.exec(text)?.[1] ?? "";
    if (/\b(call|channel)\b/.test(imported) || text.includes("__TAURI__")) direct.push(path);
  }
  assert.deepEqual(direct, []);
});
