/**
 * The {@link MetaShape} of each device's last accepted meta array, bounded, with a back-off for
 * devices whose arrays keep changing layout (learning costs a walk of the text on top of the parse,
 * and would be wasted on them).
 * @module
 */

import type { MetaShape } from "./meta-shape.js";

/** Devices whose shape is kept; beyond it, the cache starts again. */
export const META_SHAPES_KEPT = 4096;
/** Misses in a row after which a device is not learned for {@link PAUSE_PUBLISHES} publishes. */
const MISSES_BEFORE_PAUSE = 4;
const PAUSE_PUBLISHES = 256;

interface Entry {
  shape: MetaShape | undefined;
  /** Misses since the last read that fitted. */
  misses: number;
  /** Publishes left before the device is learned again. */
  paused: number;
}

export class MetaShapeCache {
  readonly #entries = new Map<string, Entry>();
  readonly #capacity: number;

  constructor(capacity = META_SHAPES_KEPT) {
    this.#capacity = capacity;
  }

  /** Number of devices with an entry (a diagnostic). */
  get size(): number {
    return this.#entries.size;
  }

  /** The shape to read `device`'s next array with, if any. */
  shape(device: string): MetaShape | undefined {
    return this.#entries.get(device)?.shape;
  }

  /** `device`'s array fitted its shape. */
  hit(device: string): void {
    const entry = this.#entries.get(device);
    if (entry !== undefined) entry.misses = 0;
  }

  /**
   * `device`'s array was read the long way and accepted: learns its shape (`learn` runs only when the
   * device is not paused and the text is not the one the kept shape already reads).
   */
  accepted(device: string, learn: () => MetaShape | undefined): void {
    let entry = this.#entries.get(device);
    if (entry === undefined) {
      if (this.#entries.size >= this.#capacity) this.#entries.clear();
      entry = { shape: undefined, misses: 0, paused: 0 };
      this.#entries.set(device, entry);
    }
    if (entry.paused > 0) {
      entry.paused--;
      return;
    }
    if (entry.shape !== undefined && ++entry.misses >= MISSES_BEFORE_PAUSE) {
      entry.shape = undefined;
      entry.misses = 0;
      entry.paused = PAUSE_PUBLISHES;
      return;
    }
    entry.shape = learn();
  }
}
