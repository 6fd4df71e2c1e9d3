export * from "./root.js";
export * from "./run.js";
export * from "./rundir.js";
export * from "./series.js";
export * from "./types.js";
