// Generated from crates/desk-core/src/money.rs by `cargo test -p desk-core` (money::tests). Do not edit.

/** Decimal places shown and on the wire, for each currency where they are not two. */
export const UNCOMMON_EXPONENTS: Readonly<Record<string, readonly [number, number]>> = {
  bif: [0, 0],
  clp: [0, 0],
  djf: [0, 0],
  gnf: [0, 0],
  jpy: [0, 0],
  kmf: [0, 0],
  krw: [0, 0],
  mga: [0, 0],
  pyg: [0, 0],
  rwf: [0, 0],
  ugx: [0, 2],
  vnd: [0, 0],
  vuv: [0, 0],
  xaf: [0, 0],
  xof: [0, 0],
  xpf: [0, 0],
  isk: [0, 2],
  bhd: [3, 3],
  jod: [3, 3],
  kwd: [3, 3],
  omr: [3, 3],
  tnd: [3, 3],
};
