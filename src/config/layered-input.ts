/**
 * The raw configuration as it is assembled from its sources, before validation, remembering which
 * source gave each value so that an error can say where a bad value came from.
 *
 * Layers are applied lowest precedence first. Objects merge key by key; anything else (arrays included)
 * replaces what an earlier layer gave. The source of a value is recorded at the path where it was set;
 * {@link LayeredInput.sourceOf} returns the source of the nearest enclosing recorded path, so
 * `listeners[0].port` reports the source of the `listeners` list unless a later layer set that port.
 * @module
 */

export type PathSegment = string | number;

/** `["listeners", 0, "port"]` → `listeners[0].port`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class LayeredInput {
  /** The merged raw values; ajv fills in defaults and validates this object. */
  readonly root: Record<string, unknown> = {};
  readonly #sources = new Map<string, string>();

  /** Merges an object layer (a YAML document, say) whose every value came from `source`. */
  merge(layer: Readonly<Record<string, unknown>>, source: string): void {
    this.#mergeInto(this.root, [], layer, source);
  }

  /**
   * Sets one value; `source` undefined records no source (for a default materialised early). Does
   * nothing when an intermediate value exists and is not an object: validation will report it.
   */
  set(path: readonly PathSegment[], value: unknown, source: string | undefined): void {
    let target: unknown = this.root;
    for (const segment of path.slice(0, -1)) {
      const container = target as Record<PathSegment, unknown>;
      if (container[segment] === undefined) container[segment] = {};
      target = container[segment];
      if (typeof target !== "object" || target === null) return;
    }
    const last = path.at(-1);
    if (last === undefined) throw new RangeError("Cannot set a value at an empty path");
    (target as Record<PathSegment, unknown>)[last] = value;
    this.#record(path, source);
  }

  /** The value at `path`, or undefined. */
  get(path: readonly PathSegment[]): unknown {
    let value: unknown = this.root;
    for (const segment of path) {
      if (typeof value !== "object" || value === null) return undefined;
      value = (value as Record<PathSegment, unknown>)[segment];
    }
    return value;
  }

  /** Where the value at `path` came from: the source recorded at it or at its nearest ancestor. */
  sourceOf(path: readonly PathSegment[]): string | undefined {
    for (let length = path.length; length > 0; length--) {
      const source = this.#sources.get(formatPath(path.slice(0, length)));
      if (source !== undefined) return source;
    }
    return undefined;
  }

  #mergeInto(
    target: Record<string, unknown>,
    path: readonly PathSegment[],
    layer: Readonly<Record<string, unknown>>,
    source: string,
  ): void {
    for (const [key, value] of Object.entries(layer)) {
      const childPath = [...path, key];
      if (isPlainObject(value)) {
        let child = target[key];
        if (!isPlainObject(child)) {
          child = {};
          target[key] = child;
          this.#record(childPath, source);
        }
        this.#mergeInto(child as Record<string, unknown>, childPath, value, source);
      } else {
        target[key] = structuredClone(value);
        this.#record(childPath, source);
      }
    }
  }

  #record(path: readonly PathSegment[], source: string | undefined): void {
    const key = formatPath(path);
    for (const recorded of [...this.#sources.keys()]) {
      if (recorded.startsWith(`${key}.`) || recorded.startsWith(`${key}[`)) this.#sources.delete(recorded);
    }
    if (source === undefined) this.#sources.delete(key);
    else this.#sources.set(key, source);
  }
}
