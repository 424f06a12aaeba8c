#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner and tsx.
// Node 20's --test neither expands globs nor discovers .ts files, so we list them here.
// Usage: npm test [-- <path-substring> ...]   (only files whose path contains one of the substrings)
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** @param {string} dir @returns {string[]} */
function findTests(dir) {
  /** @type {string[]} */
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith("--"));
const files = ["src", "test"]
  .flatMap((d) => findTests(join(root, d)))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error("No test files matched");
  process.exit(1);
}

const args = [
  "--import",
  "tsx",
  "--test",
  "--test-concurrency=2",
  "--test-timeout=120000",
  ...passthrough,
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
