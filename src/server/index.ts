/**
 * `plateau serve`: the local dashboard. `startServer` is the entry point (server.ts); the page itself is plain
 * ES modules in ./client, served as they are.
 */
export { halfLifeFor, isUnsmoothed, SMOOTHINGS, type Smoothing, X_AXES, type XAxis } from "./chart-data.js";
export { isLoopback } from "./guard.js";
export { LIMITS } from "./http.js";
export { type RunningServer, type ServeOptions, startServer } from "./server.js";
