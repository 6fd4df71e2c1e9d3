import { TfEventsWriter } from "../logs/tfevents/writer.js";
import type { MetricsSink, RunWriter } from "../runs/rundir.js";

/**
 * TensorBoard event files beside metrics.jsonl, so `tensorboard --logdir runs/` opens plateau's runs: every value
 * the run logs also goes to an event file in the run directory (one file per process, as TensorBoard's own
 * writers do; a resumed run adds a second file). Attaching twice is a no-op.
 */
class TensorBoardSink implements MetricsSink {
  private writer: TfEventsWriter | undefined;
  constructor(private readonly dir: string) {}

  scalars(step: number, values: Record<string, number>, wallTime: number): void {
    // opened on the first value, so a run that logs nothing leaves no empty event file
    this.writer ??= new TfEventsWriter(this.dir);
    this.writer.scalars(step, values, wallTime);
  }

  sync(): void {
    this.writer?.sync();
  }

  close(): void {
    this.writer?.close();
  }
}

export function attachTensorBoard(run: RunWriter): void {
  if (run.hasSink((s) => s instanceof TensorBoardSink)) return;
  run.addSink(new TensorBoardSink(run.dir));
}
