/**
 * Waiting for a quiet machine before a run (the machine is shared; see bench/README.md).
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";
import { measureBusyCores } from "./proc.js";

/**
 * Waits up to `quietWaitSeconds` until other processes use at most `noiseCores` cores; returns the busy
 * cores seen last.
 */
export async function waitForQuiet(
  options: { readonly quietWaitSeconds: number; readonly noiseCores: number },
  ticks: number,
  log: (line: string) => void,
): Promise<number> {
  const deadline = Date.now() + options.quietWaitSeconds * 1000;
  let busy = await measureBusyCores(500, ticks);
  let warned = false;
  while (busy > options.noiseCores && Date.now() < deadline) {
    if (!warned) log(`  machine busy (${busy.toFixed(2)} cores used by other processes): waiting...`);
    warned = true;
    await sleep(1000);
    busy = await measureBusyCores(500, ticks);
  }
  if (busy > options.noiseCores) log(`  still busy (${busy.toFixed(2)} cores): running anyway, flagged`);
  return busy;
}
