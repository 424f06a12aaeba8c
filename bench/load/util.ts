/**
 * Small helpers shared by the workloads.
 * @module
 */

const base = process.hrtime.bigint();

/** Nanoseconds since the generator started (a float64 holds them exactly for 104 days). */
export function nowNs(): number {
  return Number(process.hrtime.bigint() - base);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One buffer of PUBACK frames (type 4, remaining length 2, packet id). */
export function pubacks(ids: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(ids.length * 4);
  for (let i = 0; i < ids.length; i++) {
    const off = i * 4;
    buf[off] = 0x40;
    buf[off + 1] = 2;
    buf.writeUInt16BE(ids[i]!, off + 2);
  }
  return buf;
}

/** Runs `task` over `items` with at most `limit` at a time; resolves when all have settled. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
