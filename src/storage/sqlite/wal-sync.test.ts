import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { WalSync } from "./wal-sync.js";

const root = mkdtempSync(join(tmpdir(), "sb-wal-sync-"));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

function walOf(): { sync: WalSync; file: string } {
  const file = join(root, `db-${++files}`);
  writeFileSync(`${file}-wal`, "frames");
  return { sync: new WalSync(file), file };
}

describe("WalSync", () => {
  it("resolves at once when nothing was written since the last sync", async () => {
    const { sync } = walOf();
    await sync.durable();
    sync.written();
    await sync.durable();
    let settled = false;
    const again = sync.durable().then(() => (settled = true));
    await Promise.resolve();
    assert.equal(settled, true, "nothing new: no sync to wait for");
    await again;
    await sync.close();
  });

  it("commits written while a sync runs wait for the next one, and settle in order", async () => {
    const { sync } = walOf();
    const order: number[] = [];
    sync.written();
    const first = sync.durable().then(() => order.push(1));
    sync.written();
    const second = sync.durable().then(() => order.push(2));
    sync.written();
    const third = sync.durable().then(() => order.push(3));
    await Promise.all([first, second, third]);
    assert.deepEqual(order, [1, 2, 3]);
    await sync.close();
  });

  it("rejects the commits a failed sync covered (no WAL file to sync)", async () => {
    const sync = new WalSync(join(root, "missing", "db"));
    sync.written();
    await assert.rejects(sync.durable(), { code: "ENOENT" });
    await sync.close();
  });

  it("after a failed sync, durable() syncs again even when nothing new was written", async () => {
    const file = join(root, `db-${++files}`);
    const sync = new WalSync(file);
    sync.written();
    await assert.rejects(sync.durable(), { code: "ENOENT" });
    writeFileSync(`${file}-wal`, "frames");
    await sync.durable(); // waited for a sync that never started before
    await sync.close();
  });

  it("fails a sync whose WAL was deleted, says so until reopen(), then syncs the new file", async () => {
    const { sync, file } = walOf();
    sync.written();
    await sync.durable();
    unlinkSync(`${file}-wal`);
    sync.written();
    await assert.rejects(sync.durable(), /write-ahead log ".*-wal" was deleted while the broker was running/);
    assert.equal(sync.deleted, true);
    writeFileSync(`${file}-wal`, "a new log");
    sync.reopen();
    assert.equal(sync.deleted, false);
    sync.written();
    await sync.durable();
    await sync.close();
  });

  it("close() waits for the sync in progress", async () => {
    const { sync } = walOf();
    sync.written();
    let done = false;
    const durable = sync.durable().then(() => (done = true));
    await sync.close();
    assert.equal(done, true);
    await durable;
  });
});
