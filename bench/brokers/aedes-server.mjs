// Aedes 1.2.0 with its defaults (in-memory persistence, mqemitter), on one TCP port, for bench/run.ts.
// Usage: node bench/brokers/aedes-server.mjs <port>
// Client errors are logged to stderr (the runner keeps the tail and reports it); the process exits
// on SIGTERM/SIGINT.
import { createServer } from "node:net";
import { Aedes } from "aedes";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`aedes-server: invalid port "${process.argv[2]}"`);
  process.exit(2);
}

const aedes = await Aedes.createBroker();
const server = createServer(aedes.handle);
aedes.on("clientError", (client, err) => {
  console.error(`aedes clientError ${client?.id ?? "?"}: ${err.message}`);
});
server.listen(port, "127.0.0.1");

const stop = () => {
  server.close();
  aedes.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
