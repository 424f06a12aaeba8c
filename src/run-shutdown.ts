/**
 * The steps of a shutdown, each run whatever an earlier one threw: a store that cannot commit (a full
 * disk) must not leave clients connected, listeners open and the database held, nor a process that
 * never ends. Each failure is logged with its stable code; the shutdown then rejects with it.
 * @module
 */

import type { Logger } from "./observability/index.js";

export interface ShutdownStep {
  /** What the step does, as the log names it: "stop the bridges". */
  readonly name: string;
  run(): Promise<void> | void;
}

/**
 * Runs `steps` in order, each once, whatever the earlier ones threw. Every failure (each error of an
 * AggregateError) is logged at error level with its `code` and the step; then the promise rejects with
 * the failure, or with an AggregateError of them all when there are several.
 */
export async function runShutdown(steps: readonly ShutdownStep[], logger: Logger): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step.run();
    } catch (error) {
      for (const failure of error instanceof AggregateError ? (error.errors as unknown[]) : [error]) {
        failures.push(failure);
        const code = (failure as { code?: unknown } | null | undefined)?.code;
        logger.error(
          { err: failure, ...(typeof code === "string" ? { code } : {}), step: step.name },
          `Shutting down: cannot ${step.name}: ${failure instanceof Error ? failure.message : String(failure)}`,
        );
      }
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1)
    throw new AggregateError(failures, `The shutdown was not clean: ${failures.length} failures (logged)`);
}
