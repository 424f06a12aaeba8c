/**
 * Latency percentiles with an HDR histogram (hdr-histogram-js): values in microseconds, 3 significant
 * digits, from 1 µs to 60 s (longer values are clamped to 60 s).
 * @module
 */

import * as hdr from "hdr-histogram-js";
import type { LatencySummary } from "../lib/types.js";

const HIGHEST_US = 60_000_000;

export class LatencyRecorder {
  readonly #histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });

  /** Records one latency given in nanoseconds. */
  recordNs(ns: number): void {
    const us = Math.round(ns / 1000);
    this.#histogram.recordValue(us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us);
  }

  reset(): void {
    this.#histogram.reset();
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    return {
      count: h.totalCount,
      meanUs: h.totalCount === 0 ? 0 : h.mean,
      p50Us: h.getValueAtPercentile(50),
      p90Us: h.getValueAtPercentile(90),
      p99Us: h.getValueAtPercentile(99),
      p999Us: h.getValueAtPercentile(99.9),
      maxUs: h.maxValue,
    };
  }
}
