// The plateau CLI run from its TypeScript sources (node --import tsx test/server/plateau-cli.mjs ARGS): what the
// dashboard's jobs start in tests, so they exercise the current sources rather than a possibly stale dist/.
const { main } = await import("../../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
