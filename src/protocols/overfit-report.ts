import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { OverfitResult } from "./overfit.js";

/** report.md of an overfit run: what was run on what, the verdict with its criteria, the evidence. */
export function overfitMarkdown(r: OverfitResult): string {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : String(x));
  const L: string[] = [];
  L.push(`# Overfit test: ${r.verdict.toUpperCase()}`, "");
  L.push(
    `The ${r.data.samples} best samples of ${r.data.paths.join(", ")} were packed into ${r.data.blocks} blocks of ${r.data.seq_len} tokens and trained for ${r.training.epochs} epochs (${r.training.steps} steps, ${r.training.optimizer}, lr ${r.training.lr}, batch ${r.training.batch}) in ${f(r.training.seconds, 0)} s (${Math.round(r.training.tokens_per_s)} tokens/s). A working pipeline memorises them: the loss on the samples falls far down and greedy generation reproduces them.`,
    "",
  );
  L.push(
    `**Model.** ${r.model.reason}. ${fmtParams(r.model.params)} parameters; tokenizer ${r.model.tokenizer}.`,
    "",
  );
  if (r.fault)
    L.push(`**Injected fault:** \`${r.fault}\` (a deliberate pipeline bug, for testing the test).`, "");
  L.push("## Verdict", "");
  L.push("| criterion | value | threshold | |", "|---|---|---|---|");
  for (const o of r.criteria.outcomes)
    L.push(
      `| ${o.name} | ${o.name === "memorization" ? pct(o.value) : `${f(o.value)} nats`} | ${o.threshold} | ${o.passed ? "pass" : "**fail**"} |`,
    );
  L.push(
    "",
    `Initial loss ${f(r.initial_loss)} nats, final ${f(r.final_loss)}; memorisation ${pct(r.memorization)}.`,
    "",
  );
  if (r.causes.length) {
    L.push("## Likely causes", "");
    for (const c of r.causes) {
      L.push(`- **${c.status}** — ${c.description}`);
      for (const e of c.evidence) L.push(`  - ${e}`);
    }
    L.push("");
  }
  L.push("## Epochs", "", "| epoch | step | loss | memorisation | exact prefix |", "|---|---|---|---|---|");
  for (const e of r.epochs)
    L.push(`| ${e.epoch} | ${e.step} | ${f(e.loss, 4)} | ${pct(e.memorization)} | ${pct(e.prefix)} |`);
  L.push("");
  const last = r.epochs[r.epochs.length - 1];
  if (last?.sample) {
    L.push("Last generation from the first probe prompt:", "");
    L.push(`- prompt: ${JSON.stringify(last.sample.prompt)}`);
    L.push(`- model: ${JSON.stringify(last.sample.completion)}`);
    L.push(`- truth: ${JSON.stringify(last.sample.reference)}`, "");
  }
  L.push("## Pipeline checks", "", "| check | status | detail |", "|---|---|---|");
  for (const c of r.checks) L.push(`| ${c.title} | ${c.status} | ${c.detail.replaceAll("|", "\\|")} |`);
  L.push("");
  L.push("## What would change this conclusion", "");
  if (r.verdict === "pass")
    L.push(
      "- The test shows the pipeline can fit data; it says nothing about generalisation. Next: `plateau ladder` (does more or cleaner data help?) and `plateau lr-sweep`.",
      r.model.proxy
        ? "- A proxy was trained: a bug that only appears at the full model's size, precision (fp16/bf16) or parallelism would not show here. Run the same test with `--engine external` on your trainer to cover those."
        : "- The model was trained as given, in fp32 on one process; bf16/fp16 and multi-GPU paths are not covered (use `--engine external`).",
    );
  else
    L.push(
      "- A confirmed cause is a check that found the bug in the pipeline as run; fix it and rerun this test.",
      "- If no check confirms a cause and the loss fell steadily but not far enough, the model may simply need more epochs or capacity: rerun with `--epochs 20` or a larger `--preset`; if it then passes, the pipeline is sound.",
    );
  L.push(
    "",
    `Run directory: \`${r.run_dir}\` (metrics.jsonl, TensorBoard events, samples.jsonl, checkpoints/, data/).`,
    "",
  );
  return L.join("\n");
}

export function writeOverfitReport(runDir: string, r: OverfitResult): void {
  writeFileAtomic(join(runDir, "report.md"), overfitMarkdown(r));
}

function fmtParams(n: number): string {
  return n >= 1e9
    ? `${(n / 1e9).toFixed(2)}B`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(2)}M`
      : `${Math.round(n / 1e3)}k`;
}
