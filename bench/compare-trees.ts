/**
 * A/B comparison of the in-process Gooee benchmark (bench/gooee-broker.bench.ts) between the working
 * tree and another commit: the commit is checked out in a temporary git worktree (sharing this tree's
 * node_modules), and the two run in turn, `runs` times each, pinned to one core when `taskset` is
 * there. Run to run the figures move by a few percent on a shared machine; interleaving and medians
 * keep a change of 2-3% visible, a change of 1% is not.
 *
 * Run: npx tsx bench/compare-trees.ts <base-commit> [runs=7] [seconds=2] [meta|plain|floor]
 *
 * Prints each pair and the medians (ns per publish, lower is better).
 * @module
 */

import { execFileSync, spawnSync } from "node:child_process";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";

const [base, runsText = "7", seconds = "2", mode = "meta"] = process.argv.slice(2);
if (base === undefined) {
  console.error(
    "usage: npx tsx bench/compare-trees.ts <base-commit> [runs=7] [seconds=2] [meta|plain|floor]",
  );
  process.exit(2);
}
const runs = Number(runsText);
const root = fileURLToPath(new URL("..", import.meta.url));
const worktree = join(mkdtempSync(join(tmpdir(), "sb-compare-")), "tree");

const hasTaskset = spawnSync("taskset", ["--version"]).status === 0;
const core = String(cpus().length - 1);

/** ns per publish of one run in `tree`. */
function once(tree: string): number {
  const args = ["--import", "tsx", "bench/gooee-broker.bench.ts", seconds, mode];
  const command = hasTaskset ? "taskset" : process.execPath;
  const argv = hasTaskset ? ["-c", core, process.execPath, ...args] : args;
  const result = spawnSync(command, argv, { cwd: tree, encoding: "utf8" });
  const found = /(\d+) ns per publish/.exec(result.stdout);
  if (found === null) throw new Error(`no figure from ${tree}:\n${result.stdout}\n${result.stderr}`);
  return Number(found[1]);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

execFileSync("git", ["worktree", "add", "--detach", worktree, base], { cwd: root, stdio: "ignore" });
try {
  symlinkSync(join(root, "node_modules"), join(worktree, "node_modules"));
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 1; i <= runs; i++) {
    a.push(once(worktree));
    b.push(once(root));
    console.log(`run ${i}: ${base} ${a.at(-1)} ns, working tree ${b.at(-1)} ns`);
  }
  const change = (median(b) / median(a) - 1) * 100;
  console.log(
    `${mode}, medians of ${runs}: ${base} ${median(a)} ns, working tree ${median(b)} ns (${change >= 0 ? "+" : ""}${change.toFixed(1)}%)`,
  );
} finally {
  execFileSync("git", ["worktree", "remove", "--force", worktree], { cwd: root, stdio: "ignore" });
  rmSync(join(worktree, ".."), { recursive: true, force: true });
}
