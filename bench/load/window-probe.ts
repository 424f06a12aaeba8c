/**
 * CPU accounting for a measured window, shared by every workload: the broker's CPU time and RSS (from
 * /proc/<pid>), the generator's own CPU time, and how much CPU everything else on the machine used
 * (noisy neighbours: other processes on the same VM, or steal time from the hypervisor).
 * @module
 */

import { cpuFraction, readCpu, readRssBytes, readSystemCpu, type SystemCpuSample } from "../lib/proc.js";
import type { LoadSpec, WindowMeasures } from "../lib/types.js";

/** CPU and memory over one window (the fields every `LoadResult` has). */
export type WindowCpu = WindowMeasures;

export class WindowProbe {
  readonly #pid: number;
  readonly #ticks: number;
  readonly #broker;
  readonly #system;
  readonly #generator = process.cpuUsage();
  readonly #pinned: LoadSpec["pinnedCpus"];

  /** Starts the window now. */
  constructor(spec: Pick<LoadSpec, "brokerPid" | "clockTicksPerSecond" | "pinnedCpus">) {
    const { brokerPid, clockTicksPerSecond } = spec;
    this.#pid = brokerPid;
    this.#ticks = clockTicksPerSecond;
    this.#pinned = spec.pinnedCpus;
    this.#broker = readCpu(brokerPid, clockTicksPerSecond);
    this.#system = readSystemCpu(clockTicksPerSecond);
  }

  /** Ends the window now. */
  stop(): WindowCpu {
    const broker = readCpu(this.#pid, this.#ticks);
    const system = readSystemCpu(this.#ticks);
    const generator = process.cpuUsage(this.#generator);
    const windowSeconds = Number(broker.atNs - this.#broker.atNs) / 1e9;
    const brokerCpu = cpuFraction(this.#broker, broker);
    const generatorCpu = (generator.user + generator.system) / 1e6 / windowSeconds;
    const systemBusy = (system.busySeconds - this.#system.busySeconds) / windowSeconds;
    return {
      windowSeconds,
      brokerCpu,
      brokerRssBytes: readRssBytes(this.#pid),
      generatorCpu,
      otherCpu: Math.max(0, systemBusy - brokerCpu - generatorCpu),
      otherOnPinnedCpus: this.#otherOnPinned(system, windowSeconds, brokerCpu, generatorCpu),
      stealCpu: (system.stealSeconds - this.#system.stealSeconds) / windowSeconds,
    };
  }

  #otherOnPinned(
    system: SystemCpuSample,
    windowSeconds: number,
    brokerCpu: number,
    generatorCpu: number,
  ): WindowCpu["otherOnPinnedCpus"] {
    const pinned = this.#pinned;
    if (pinned === undefined) return undefined;
    const busy = (cpu: number): number =>
      ((system.perCpuBusySeconds[cpu] ?? 0) - (this.#system.perCpuBusySeconds[cpu] ?? 0)) / windowSeconds;
    return {
      broker: Math.max(0, busy(pinned.broker) - brokerCpu),
      generator: Math.max(0, busy(pinned.generator) - generatorCpu),
    };
  }
}
