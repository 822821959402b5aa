// Pushes one line through winston-loki (snappy-compressed protobuf: its
// default when `json` is not set) and exits once it was sent.
// Usage: node push.js URL USER:TOKEN MESSAGE LEVEL
const winston = require("winston");
const LokiTransport = require("winston-loki");

const [url, basicAuth, message, level] = process.argv.slice(2);
let failed = null;
const transport = new LokiTransport({
  host: url,
  basicAuth,
  labels: { service_name: "loki-js", env: "ci" },
  batching: false,
  // The line as the application wrote it (the default appends the meta as JSON).
  format: winston.format.printf(({ message }) => message),
  onConnectionError: (err) => {
    failed = err;
  },
});
// winston-loki falls back to JSON silently when snappy cannot load: this
// test is about the snappy-protobuf path, so insist on it.
if (transport.batcher.contentType !== "application/x-protobuf") {
  console.error("winston-loki would not send snappy protobuf:", transport.batcher.contentType);
  process.exit(2);
}
const logger = winston.createLogger({ transports: [transport] });
logger.log({ level, message, labels: { route: "/cart" } });
setTimeout(() => {
  if (failed) {
    console.error("push failed:", failed.message || failed);
    process.exit(1);
  }
  process.exit(0);
}, 1500);
