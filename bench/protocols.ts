import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDemoCorpus } from "../src/data/demo/index.js";
import { DEFAULT_OVERFIT, type OverfitResult, runOverfit } from "../src/protocols/overfit.js";
import { quietSession } from "../src/protocols/session.js";
import { printHeader, row, sample } from "./lib.js";

/**
 * The overfit test on the demo corpus with the default proxy, end to end as `plateau overfit --data demo`
 * runs it (selection, tokenisation, 40 epochs, per-epoch evaluation and memorisation, checks, report): the
 * target is a pass in under 5 minutes on this machine. Then the same with a deliberate bug (labels not shifted):
 * it must fail, and the label check must name the cause. One sample each: each is minutes long; the load of
 * other processes during the sample is printed beside it.
 */
export async function benchProtocols(): Promise<void> {
  printHeader("protocols: overfit test on the demo corpus (default proxy)");
  const root = mkdtempSync(join(tmpdir(), "plateau-bench-protocols-"));
  try {
    const corpus = writeDemoCorpus(join(root, "demo"), {}).files.corpus;
    console.log(
      row([
        "pipeline",
        "verdict",
        "wall time",
        "initial → final loss",
        "memorisation",
        "steps",
        "tokens/s",
        "cause named",
        "other processes (cores)",
      ]),
    );
    console.log(row(["---", "---", "---", "---", "---", "---", "---", "---", "---"]));
    for (const fault of [undefined, "labels-unshifted"] as const) {
      let r: OverfitResult | undefined;
      const s = await sample(async () => {
        r = await runOverfit(
          { ...DEFAULT_OVERFIT, data: corpus, model: null, ...(fault ? { fault, lrProbe: false } : {}) },
          { runsDir: join(root, "runs") },
          quietSession(),
        );
      });
      const x = r!;
      const named = x.causes.find((c) => c.status === "confirmed")?.cause ?? "—";
      console.log(
        row([
          fault ? `broken (${fault})` : "healthy",
          x.verdict,
          `${s.seconds.toFixed(1)} s`,
          `${x.initial_loss.toFixed(3)} → ${x.final_loss.toFixed(3)}`,
          `${(100 * x.memorization).toFixed(1)}%`,
          x.training.steps,
          Math.round(x.training.tokens_per_s),
          named,
          s.other_cores.toFixed(2),
        ]),
      );
    }
    console.log(
      `\nsettings: ${DEFAULT_OVERFIT.n} samples × ${DEFAULT_OVERFIT.epochs} epochs, blocks of ${DEFAULT_OVERFIT.seqLen}, batch ${DEFAULT_OVERFIT.batch}, lr ${DEFAULT_OVERFIT.lr}; target: healthy passes in < 300 s`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
