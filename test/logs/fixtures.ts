import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { TfEventsWriter } from "../../src/logs/tfevents/writer.js";

/**
 * Python-free generators of log files in every format plateau reads, with the awkward cases real runs produce.
 * Each returns the text (or writes the files) so tests can state expected values by hand.
 */

export const FIXTURES = join(import.meta.dirname, "../fixtures/logs");

function put(path: string, text: string | Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** JSON the way Python's json.dumps(indent=2, sort_keys=True) writes it, NaN and Infinity as bare literals. */
export function pyJson(v: unknown, indent = 2): string {
  const sortKeys = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sortKeys)
      : x && typeof x === "object"
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
          )
        : typeof x === "number" && !Number.isFinite(x)
          ? `@@${Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity"}@@`
          : x;
  return JSON.stringify(sortKeys(v), null, indent).replace(/"@@(NaN|-?Infinity)@@"/g, "$1");
}

/** A transformers ≥ 4.4x trainer_state.json log_history up to `upTo` steps. */
export function trainerState(upTo: number, opts: { ga?: number } = {}): unknown {
  const ga = opts.ga ?? 1;
  const log: Record<string, unknown>[] = [];
  for (let s = 10; s <= upTo; s += 10) {
    const loss = s === 30 ? Number.NaN : (3 + 10 / s) * ga;
    log.push({
      epoch: s / 100,
      grad_norm: s === 40 ? Number.POSITIVE_INFINITY : 1 + 1 / s,
      learning_rate: 2e-4 * (1 - s / 200),
      loss,
      num_input_tokens_seen: s * 4096,
      step: s,
    });
    if (s % 50 === 0) {
      log.push({
        epoch: s / 100,
        eval_loss: 3.1 + 10 / s,
        eval_runtime: 1.5,
        eval_samples_per_second: 40,
        eval_steps_per_second: 5,
        step: s,
      });
      log.push({ epoch: s / 100, eval_medical_loss: 3.3 + 10 / s, step: s });
    }
  }
  if (upTo >= 100) {
    log.push({ predict_loss: 3.2 }); // an entry without step
    log.push({
      epoch: upTo / 100,
      step: upTo,
      total_flos: 1.5e15,
      train_loss: 3.4,
      train_runtime: 100.5,
      train_samples_per_second: 8,
      train_steps_per_second: 1,
    });
  }
  return {
    best_global_step: null,
    best_metric: null,
    best_model_checkpoint: null,
    epoch: upTo / 100,
    eval_steps: 50,
    global_step: upTo,
    is_hyper_param_search: false,
    is_local_process_zero: true,
    is_world_process_zero: true,
    log_history: log,
    logging_steps: 10,
    max_steps: 200,
    num_input_tokens_seen: upTo * 4096,
    num_train_epochs: 2,
    save_steps: 50,
    stateful_callbacks: { TrainerControl: { args: { should_save: true }, attributes: {} } },
    total_flos: 1.5e15,
    train_batch_size: 4,
    trial_name: null,
    trial_params: null,
  };
}

/** A transformers 4.2x trainer_state.json: no grad_norm, no logging_steps / train_batch_size, rounded values. */
export function oldTrainerState(): string {
  return `{
  "best_metric": null,
  "best_model_checkpoint": null,
  "epoch": 1.0,
  "global_step": 20,
  "is_hyper_param_search": false,
  "is_local_process_zero": true,
  "is_world_process_zero": true,
  "log_history": [
    {
      "epoch": 0.5,
      "learning_rate": 2.5e-05,
      "loss": 3.1234,
      "step": 10
    },
    {
      "epoch": 1.0,
      "learning_rate": 0.0,
      "loss": 2.7891,
      "step": 20
    },
    {
      "epoch": 1.0,
      "step": 20,
      "total_flos": 12345,
      "train_runtime": 10.0,
      "train_samples_per_second": 3.2
    }
  ],
  "max_steps": 20,
  "num_train_epochs": 1,
  "total_flos": 12345,
  "trial_name": null,
  "trial_params": null
}
`;
}

/** Qwen2.5-0.5B's config.json fields (shared/reference/medicalgpt.md §4.3). */
export const QWEN25_05B = {
  architectures: ["Qwen2ForCausalLM"],
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  model_type: "qwen2",
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  tie_word_embeddings: true,
  torch_dtype: "bfloat16",
  vocab_size: 151936,
  eos_token_id: 151643,
};

/** An HF output folder: trainer_state.json, two checkpoints, config, training_args.bin, results, TB files. */
export function writeHfOutputDir(dir: string, opts: { withFinalState?: boolean } = {}): void {
  if (opts.withFinalState ?? true) put(join(dir, "trainer_state.json"), pyJson(trainerState(200)));
  put(join(dir, "checkpoint-50/trainer_state.json"), pyJson(trainerState(50)));
  put(join(dir, "checkpoint-100/trainer_state.json"), pyJson(trainerState(100)));
  put(join(dir, "config.json"), JSON.stringify(QWEN25_05B, null, 2));
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(FIXTURES, "training-args/training_args.bin"), join(dir, "training_args.bin"));
  put(
    join(dir, "all_results.json"),
    pyJson({ epoch: 2, eval_loss: 3.15, perplexity: 23.34, train_loss: 3.4 }),
  );
  let t = 1700000000;
  const w = new TfEventsWriter(join(dir, "runs/Nov29_04-00-00_host"), { now: () => t++ });
  w.scalars(10, { "train/loss": 4, "train/learning_rate": 2e-4 });
  w.close();
}

/** TensorBoard run written by plateau's writer in two files: the second is a restart from step 3. */
export function writeTfRun(dir: string): void {
  let t = 1700000000;
  const a = new TfEventsWriter(dir, { now: () => t++, fileName: "events.out.tfevents.1700000000.host.1.0" });
  for (let s = 1; s <= 5; s++)
    a.scalars(s, { "train/loss": 5 - s * 0.1, "train/learning_rate": 1e-3, "train/epoch": s / 10 });
  a.close();
  const b = new TfEventsWriter(dir, {
    now: () => t++,
    fileName: "events.out.tfevents.1700000100.host.2.0",
    style: "simple",
  });
  for (let s = 3; s <= 6; s++) b.scalars(s, { "train/loss": 4 - s * 0.1, "eval/loss": 4.5 });
  b.close();
}

export const LLMC_MAIN_LOG = [
  "s:0 tel:10.9912",
  "s:1 trl:10.9951 lr:0.000006 norm:15.43",
  "s:2 trl:10.4102 lr:0.000012 norm:12.01",
  "s:2 tel:10.2201",
  "s:2 eval:0.2501",
  "s:3 trl:nan lr:0.000018 norm:inf",
  "s:4 trl:9.1", // torn: no newline, may be cut short
].join("\n");

export const LLMC_STDOUT = `+-----------------------+----------------------------------------------------+
| Parameter             | Value                                              |
+-----------------------+----------------------------------------------------+
| max_sequence_length T | 1024                                               |
val loss 10.991211
step    1/74 | loss 10.995100 (+nanz)| norm 15.4312 (+nanz)| lr 8.57e-07 | 48.37 ms | -100.0% bf16 MFU | 338698 tok/s
step    2/74 | loss 10.410200 (-1.00z)| norm 12.0100 (-1.00z)| lr 1.71e-06 | 45.10 ms | 43.1% bf16 MFU | 363255 tok/s
val loss 10.220100
step    3/74 | loss 9.900000 (-1.20z)| norm 9.5000 (-1.10z)| lr 2.57e-06 | 45.20 ms | 43.0% bf16 MFU | 362000 tok/s
`;

export const MODDED_NANOGPT = `import os
import sys
with open(sys.argv[0]) as f:
    code = f.read()
print0(f"step:{step}/{train_steps} val_loss:{val_loss:.4f} train_time:{training_time_ms:.0f}ms")
====================================================================================================
Running python 3.12.7
step:0/1750 val_loss:10.8258 train_time:0ms step_avg:nanms
step:1/1750 train_loss:10.8258 train_time:22046ms step_avg:nanms
step:2/1750 train_loss:10.5183 train_time:22131ms step_avg:nanms
step:125/1750 val_loss:4.3877 train_time:31900ms step_avg:79.39ms
peak memory consumption: 30123 MiB
`;

export const MEGATRON = `------------------------ arguments ------------------------
  adam_beta1 ...................................... 0.9
  adam_beta2 ...................................... 0.95
  bf16 ............................................ True
  clip_grad ....................................... 1.0
  data_parallel_size .............................. 8
  fp16 ............................................ False
  global_batch_size ............................... 512
  hidden_size ..................................... 2048
  lr .............................................. 0.0003
  lr_decay_style .................................. cosine
  lr_warmup_iters ................................. 2000
  micro_batch_size ................................ 4
  min_lr .......................................... 3e-05
  num_layers ...................................... 24
  padded_vocab_size ............................... 50304
  seq_length ...................................... 2048
  train_iters ..................................... 500000
  weight_decay .................................... 0.1
  world_size ...................................... 8
-------------------- end of arguments ---------------------
 [2024-05-01 10:00:00] iteration      100/  500000 | consumed samples:        51200 | elapsed time per iteration (ms): 1234.5 | learning rate: 1.500E-05 | global batch size:   512 | lm loss: 7.123456E+00 | loss scale: 65536.0 | grad norm: 2.345 | number of skipped iterations:   0 | number of nan iterations:   0 |
 [2024-05-01 10:02:00] iteration      200/  500000 | consumed samples:       102400 | elapsed time per iteration (ms): 1230.1 | learning rate: 3.000E-05 | global batch size:   512 | loss scale: 32768.0 | number of skipped iterations: 100 | number of nan iterations:   0 |
 [2024-05-01 10:04:00] iteration      300/  500000 | consumed samples:       153600 | elapsed time per iteration (ms): 1229.0 | learning rate: 4.500E-05 | global batch size:   512 | lm loss: 6.500000E+00 | loss scale: 32768.0 | grad norm: 1.500 | number of skipped iterations:   3 | number of nan iterations:   0 |
------------------------------------------------------------------------------------------------
 validation loss at iteration 300 | lm loss value: 6.600000E+00 | lm loss PPL: 7.35E+02 |
------------------------------------------------------------------------------------------------
 validation loss at the end of training for test data | lm loss value: 6.400000E+00 | lm loss PPL: 6.02E+02 |
`;

export const HF_STDOUT =
  "  0%|          | 0/40 [00:00<?, ?it/s]\r  5%|▌         | 2/40 [00:01<00:30,  1.2it/s]\r" +
  " 25%|██▌       | 10/40 [00:05<00:15,  2.0it/s]\n" +
  "{'loss': 2.8123, 'grad_norm': 1.53, 'learning_rate': 4.9e-05, 'epoch': 0.25}\n" +
  " 50%|█████     | 20/40 [00:10<00:10,  2.0it/s]{'loss': nan, 'grad_norm': tensor(inf, device='cuda:0'), 'learning_rate': 4.0e-05, 'epoch': 0.5}\n" +
  "\n  0%|          | 0/7 [00:00<?, ?it/s]\r100%|██████████| 7/7 [00:01<00:00,  5.0it/s]\n" +
  "{'eval_loss': 2.91, 'eval_runtime': 1.4, 'eval_samples_per_second': 40.0, 'epoch': 0.5}\n" +
  "{'train_runtime': 20.5, 'train_samples_per_second': 7.8, 'train_loss': 2.85, 'epoch': 1.0}\n";

export const KEYVALUE = `2024-05-01 10:00:00 INFO starting
2024-05-01 10:00:01 INFO step=1 loss=3.5 lr=1e-4 grad_norm=2.0 epoch=0.1
2024-05-01 10:00:02 INFO step=2 loss=3.25 lr=2e-4 grad_norm=1.5 epoch=0.2
2024-05-01 10:00:03 INFO step=2 val_loss=3.4
2024-05-01 10:00:04 INFO step=3 loss=oops lr=3e-4
`;

export const NANOGPT = `step 0: train loss 10.9876, val loss 10.9912
iter 0: loss 10.9854, time 12345.67ms, mfu -100.00%
iter 10: loss 9.1234, time 123.45ms, mfu 30.12%
step 250: train loss 6.1, val loss 6.2
`;

export const WANDB_CSV = `"Step","run-a - train/loss","run-a - train/loss__MIN","run-a - train/loss__MAX","run-b - train/loss","run-b - train/loss__MIN","run-b - train/loss__MAX"
"0","4.5","4.4","4.6","",,""
"100","3.5","3.25","3.75","3.75","3.7","3.8"
"200","","","","3.0","2.9","3.1"
`;

export const PLAIN_CSV = `step,loss,eval_loss,lr,epoch
1,3.5,,0.001,0.1
2,3.25,,0.001,0.2
2,3.2,3.3,0.001,0.2
3,x,,0.001,0.3
`;

export const TB_CSV = `Wall time,Step,Value
1700000000.5,1,4.25
1700000001.5,2,4.0
`;

export const JSONL = [
  '{"step": 1, "train": {"loss": 3.5, "lr": 0.001}, "_timestamp": 1700000000.5}',
  '{"step": 2, "train": {"loss": NaN, "lr": 0.001}}',
  '{"step": 3, "values": {"train/loss": "Infinity", "eval/loss": 3.3}}',
  "not json",
  '{"step": 4, "train": {"loss": 3.1',
].join("\n");

/** An MLflow file-store experiment with one run. */
export function writeMlruns(root: string): string {
  const run = join(root, "mlruns/1/abc123");
  put(join(run, "meta.yaml"), "run_id: abc123\nrun_name: ignored-name\nexperiment_id: '1'\nstatus: 3\n");
  put(join(run, "tags/mlflow.runName"), "qwen-pt");
  put(join(run, "params/learning_rate"), "0.0002");
  put(join(run, "params/gradient_accumulation_steps"), "8");
  put(join(run, "params/bf16"), "True");
  put(join(run, "metrics/train/loss"), "1700000000000 3.5 10\n1700000001000 3.25 20\n1700000002000 nan 30\n");
  put(join(run, "metrics/eval_loss"), "1700000003000 3.4 20\n1700000004000 3.3\n");
  return run;
}

export { put };
