/**
 * `plateau serve`: the local dashboard. `startServer` is the entry point (server.ts); the page itself is plain
 * ES modules in ./client, served as they are.
 */
export { isLoopback } from "./guard.js";
export { type RunningServer, type ServeOptions, startServer } from "./server.js";
