import type { Command } from "commander";
import { register as audit } from "./audit.js";
import { register as capacity } from "./capacity.js";
import { register as cooldown } from "./cooldown.js";
import { register as demo } from "./demo.js";
import { register as diagnose } from "./diagnose.js";
import { register as doctor } from "./doctor.js";
import { register as evalCmd } from "./eval.js";
import { register as ladder } from "./ladder.js";
import { register as lrSweep } from "./lr-sweep.js";
import { register as model } from "./model.js";
import { register as optimizer } from "./optimizer.js";
import { register as overfit } from "./overfit.js";
import { register as runs } from "./runs.js";
import { register as select } from "./select.js";
import { register as serve } from "./serve.js";
import { register as tokenize } from "./tokenize.js";
import { register as train } from "./train.js";

/**
 * Every command plateau has, in the order --help lists them. A command is registered here only once it works
 * on real input.
 */
export const commands: ((program: Command) => void)[] = [
  runs,
  diagnose,
  train,
  evalCmd,
  model,
  demo,
  tokenize,
  audit,
  select,
  overfit,
  ladder,
  lrSweep,
  capacity,
  optimizer,
  cooldown,
  doctor,
  serve,
];
