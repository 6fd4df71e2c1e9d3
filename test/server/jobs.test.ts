import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server/index.js";
import { getJson, raw, serve, tinyTraining, tmpRoot, waitFor } from "./helpers.js";

/**
 * A protocol started and stopped over HTTP: the real `plateau train` (from the sources) in a child process on a
 * tiny model, stopped with SIGINT like Ctrl-C — it checkpoints and its run reads `interrupted`.
 */

interface Job {
  id: string;
  state: string;
  run: string | null;
  exit_code: number | null;
  stopped: boolean;
  output: string;
}

describe("protocols started from the page", () => {
  let server: RunningServer;
  let root: string;
  let base: string;

  beforeAll(async () => {
    base = tmpRoot();
    root = join(base, "runs");
    server = await serve(root, { protocols: ["train"] });
  });
  afterAll(() => server.close());

  /** The job once it has exited. */
  const exited = async (id: string): Promise<Job> => {
    let job: Job | undefined;
    await waitFor(
      async () => {
        job = (await getJson<{ jobs: Job[] }>(server.port, "/api/jobs")).jobs.find((j) => j.id === id);
        return job?.state === "exited";
      },
      60_000,
      `job ${id} to exit`,
    );
    return job as Job;
  };

  const post = (path: string, body: unknown) =>
    raw(server.port, path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: `http://127.0.0.1:${server.port}` },
      body: JSON.stringify(body),
    });

  it("starts plateau train as a child process, follows its run, and stops it like Ctrl-C", async () => {
    const args = [
      ...tinyTraining(base),
      "--steps",
      "100000",
      "--checkpoint-every",
      "0",
      "--name",
      "from-the-page",
    ];
    const started = await post("/api/jobs", { command: "train", args });
    expect(started.status).toBe(201);
    const job = JSON.parse(started.body) as Job;
    expect(job.state).toBe("running");
    // the job's run appears (found by the child's pid in run.json) and logs steps
    let runId = "";
    await waitFor(
      async () => {
        const jobs = await getJson<{ jobs: Job[] }>(server.port, "/api/jobs");
        runId = jobs.jobs.find((j) => j.id === job.id)?.run ?? "";
        return runId !== "";
      },
      60_000,
      "the job's run",
    );
    await waitFor(
      async () => {
        const d = await getJson<{ series: { name: string; n: number }[] }>(
          server.port,
          `/api/run?run=${encodeURIComponent(runId)}`,
        );
        return (d.series.find((s) => s.name === "train/loss")?.n ?? 0) >= 5;
      },
      60_000,
      "logged steps",
    );
    const detail = await getJson<{ status: string; job: Job | null }>(
      server.port,
      `/api/run?run=${encodeURIComponent(runId)}`,
    );
    expect(detail.status).toBe("running");
    expect(detail.job?.id).toBe(job.id);

    expect((await post("/api/jobs/stop", { id: job.id })).status).toBe(200);
    const done = await exited(job.id);
    expect(done.stopped).toBe(true);
    expect(done.exit_code).toBe(0);
    expect(done.output).toContain("Ctrl-C: finishing this step and writing a checkpoint");
    await waitFor(
      async () => {
        const d = await getJson<{ status: string }>(server.port, `/api/run?run=${encodeURIComponent(runId)}`);
        return d.status === "interrupted";
      },
      10_000,
      "the run to read interrupted",
    );
    // it left a checkpoint to resume from
    const dirs = readdirSync(root).filter((d) => existsSync(join(root, d, "checkpoints")));
    expect(dirs.some((d) => readdirSync(join(root, d, "checkpoints")).length > 0)).toBe(true);
  });

  it("a job that fails says so, with its output", async () => {
    const r = await post("/api/jobs", {
      command: "train",
      args: ["--corpus", join(base, "no-such-file.txt")],
    });
    const job = JSON.parse(r.body) as Job;
    const done = await exited(job.id);
    expect(done.exit_code).toBe(2);
    expect(done.output).toContain("no-such-file.txt");
    expect(done.run).toBeNull();
  });
});
