/**
 * The {@link MetaShape} of each device's last accepted meta array, bounded, with a back-off for
 * devices whose arrays keep changing layout (learning costs a walk of the text on top of the parse,
 * and would be wasted on them).
 *
 * Devices of one model publish arrays of one layout (the same names, display names and units, written
 * alike): a shape is kept once per layout and scope (the tenant), and shared by every device whose
 * arrays have it.
 * @module
 */

import type { MetaShape } from "./meta-shape.js";

/** Devices whose shape is kept, and layouts kept; beyond either, the cache starts again. */
export const META_SHAPES_KEPT = 4096;
/** Misses in a row after which a device is not learned for {@link PAUSE_PUBLISHES} publishes. */
const MISSES_BEFORE_PAUSE = 4;
const PAUSE_PUBLISHES = 256;

/** A device's entry: its shape, and what its caller checked about the device and when. */
export interface ShapeEntry {
  shape: MetaShape | undefined;
  /** Misses since the last read that fitted. */
  misses: number;
  /** Publishes left before the device is learned again. */
  paused: number;
  /** The registry generation at which the caller last found the device fit to publish (-1: never). */
  checkedGeneration: number;
  /** The tenant it was checked in. */
  checkedTenant: string;
}

export interface MetaShapeCacheOptions {
  /** Devices, and layouts, kept (default {@link META_SHAPES_KEPT}). */
  readonly capacity?: number;
}

export class MetaShapeCache {
  readonly #entries = new Map<string, ShapeEntry>();
  /** Shapes by scope and layout. */
  readonly #layouts = new Map<string, MetaShape>();
  readonly #capacity: number;

  constructor(options: MetaShapeCacheOptions = {}) {
    this.#capacity = options.capacity ?? META_SHAPES_KEPT;
  }

  /** Number of devices with an entry (a diagnostic). */
  get size(): number {
    return this.#entries.size;
  }

  /** Number of distinct shapes kept (a diagnostic). */
  get layouts(): number {
    return this.#layouts.size;
  }

  /** `device`'s entry, if it has one. */
  entry(device: string): ShapeEntry | undefined {
    return this.#entries.get(device);
  }

  /** The shape to read `device`'s next array with, if any. */
  shape(device: string): MetaShape | undefined {
    return this.#entries.get(device)?.shape;
  }

  /** `entry`'s array fitted its shape and was accepted. */
  fitted(entry: ShapeEntry): void {
    entry.misses = 0;
  }

  /**
   * `device`'s array was read the long way and accepted in `scope`: learns its shape (`learn` runs
   * only when the device is not paused), or takes the kept shape of the same layout and scope.
   */
  accepted(device: string, scope: string, learn: () => MetaShape | undefined): void {
    let entry = this.#entries.get(device);
    if (entry === undefined) {
      if (this.#entries.size >= this.#capacity) this.#clear();
      entry = this.#newEntry(device);
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
    const learned = learn();
    if (learned === undefined) {
      entry.shape = undefined;
      return;
    }
    const key = `${scope}\u0000${learned.layout}`;
    const kept = this.#layouts.get(key);
    if (kept !== undefined) {
      entry.shape = kept;
      return;
    }
    if (this.#layouts.size >= this.#capacity) {
      this.#clear();
      entry = this.#newEntry(device);
    }
    this.#layouts.set(key, learned);
    entry.shape = learned;
  }

  #newEntry(device: string): ShapeEntry {
    const entry: ShapeEntry = {
      shape: undefined,
      misses: 0,
      paused: 0,
      checkedGeneration: -1,
      checkedTenant: "",
    };
    this.#entries.set(device, entry);
    return entry;
  }

  #clear(): void {
    this.#entries.clear();
    this.#layouts.clear();
  }
}
