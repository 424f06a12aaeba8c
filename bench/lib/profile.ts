/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`, written when the process exits): self time per
 * function and per area (Switchboard's files, Node's own JavaScript, native bindings, GC), as shares of
 * busy time (everything but "(idle)").
 * @module
 */

import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** Microseconds since the previous sample. */
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly busyMs: number;
  readonly idleMs: number;
  /** Functions by self time, largest first: "12.3%  name  where". */
  readonly top: readonly string[];
  /** Areas by self time: "41.0%  Switchboard (dist/)". */
  readonly areas: readonly string[];
}

/** Where a frame belongs, for the per-area totals. */
function area(frame: CallFrame): string {
  const { functionName, url } = frame;
  if (url === "") {
    if (functionName === "(idle)") return "idle";
    if (functionName === "(garbage collector)") return "GC";
    if (functionName === "(program)") return "V8/native, not attributed (program)";
    if (functionName === "(root)") return "root";
    return "native bindings (syscalls: writev, writeBuffer, ...)";
  }
  if (url.startsWith("node:")) return "Node.js JavaScript (net, stream, timers, ...)";
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules !== null) return `node_modules: ${modules[1]}`;
  if (/\/dist\//.test(url)) return "Switchboard (dist/)";
  return "other JavaScript";
}

function where(frame: CallFrame): string {
  if (frame.url === "") return "(native)";
  const short = frame.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, "$1/").replace(/^file:\/\//, "");
  return `${short}:${frame.lineNumber + 1}`;
}

/**
 * Summarizes the profile in `file`, leaving out its first `skipMs` milliseconds (the broker's start-up
 * and the warm-up, so that what remains is mostly the measured window).
 */
export function summarizeProfile(file: string, topCount = 15, skipMs = 0): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<string, { frame: CallFrame; us: number }>();
  const areaUs = new Map<string, number>();
  const { samples, timeDeltas } = profile;
  let idleUs = 0;
  let busyUs = 0;
  let elapsedUs = 0;
  for (let i = 0; i < samples.length; i++) {
    elapsedUs += timeDeltas[i] ?? 0;
    if (elapsedUs < skipMs * 1000) continue;
    // A sample's time is the gap to the next one (the last gets the previous gap).
    const us = timeDeltas[i + 1] ?? timeDeltas[i] ?? 0;
    const frame = byId.get(samples[i]!);
    if (frame === undefined) continue;
    const a = area(frame);
    if (a === "idle") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    areaUs.set(a, (areaUs.get(a) ?? 0) + us);
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = selfUs.get(key) ?? { frame, us: 0 };
    entry.us += us;
    selfUs.set(key, entry);
  }
  const share = (us: number): string => `${((100 * us) / Math.max(1, busyUs)).toFixed(1).padStart(5)}%`;
  const top = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topCount)
    .map((e) => `${share(e.us)}  ${e.frame.functionName || "(anonymous)"}  ${where(e.frame)}`);
  const areas = [...areaUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${share(us)}  ${name}`);
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, top, areas };
}
