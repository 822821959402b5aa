// Exports two log records through the OpenTelemetry JS SDK's OTLP/HTTP log
// exporter, which encodes OTLP as JSON (hex trace ids, string int64s, enums
// as numbers), and exits once the export finished; a failed export exits 1.
// Usage: node export.js URL TOKEN MARKER
const { LoggerProvider, SimpleLogRecordProcessor } = require("@opentelemetry/sdk-logs");
const { OTLPLogExporter } = require("@opentelemetry/exporter-logs-otlp-http");
const { resourceFromAttributes } = require("@opentelemetry/resources");
const { SeverityNumber } = require("@opentelemetry/api-logs");
const { ExportResultCode } = require("@opentelemetry/core");

const [url, token, marker] = process.argv.slice(2);
const exporter = new OTLPLogExporter({ url: `${url}/otlp/v1/logs`, headers: { Authorization: `Bearer ${token}` } });
// The result of every export, so a refused one fails this client.
const results = [];
const export_ = exporter.export.bind(exporter);
exporter.export = (records, done) => export_(records, (result) => { results.push(result); done(result); });

const provider = new LoggerProvider({
  resource: resourceFromAttributes({ "service.name": "checkout-js", "deployment.environment": "ci" }),
  processors: [new SimpleLogRecordProcessor({ exporter })],
});
const logger = provider.getLogger("otlp-js-ci");
logger.emit({
  severityNumber: SeverityNumber.ERROR,
  severityText: "ERROR",
  body: `${marker} payment declined`,
  attributes: { user_id: 42, amount: 9.5, retried: false },
});
logger.emit({ severityNumber: SeverityNumber.WARN, body: `${marker} retrying` });

(async () => {
  await provider.forceFlush();
  await provider.shutdown();
  const failed = results.filter((r) => r.code !== ExportResultCode.SUCCESS);
  if (results.length === 0 || failed.length > 0) {
    console.error("export failed:", failed.map((r) => r.error && r.error.message), `(${results.length} exports)`);
    process.exit(1);
  }
})();
