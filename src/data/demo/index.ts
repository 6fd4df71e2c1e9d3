export {
  cleanDocuments,
  DEMO_KINDS,
  type DemoKind,
  type DemoLabel,
  type DemoOptions,
  type DemoSummary,
  writeDemoCorpus,
} from "./generate.js";
