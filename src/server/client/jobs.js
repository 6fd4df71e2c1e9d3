// Protocols started from the page: a form (command + arguments) and the list of jobs with their output and a
// Stop button. The server runs each as `plateau COMMAND ARGS --runs-dir ROOT` in a child process; Stop is
// Ctrl-C (the job checkpoints, so `--resume` continues it).

import { get, post } from "./api.js";
import { h } from "./dom.js";
import { runHref } from "./links.js";

/** Split a command line like a shell would for plain words and quotes (no expansion of any kind). */
export function splitArgs(line) {
  const out = [];
  let cur = "";
  let quote = null;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else cur += c;
  }
  if (quote) throw new Error("unclosed quote");
  if (has || cur) out.push(cur);
  return out;
}

const EXAMPLES = {
  train: "--corpus data/ --preset bench-5m --seq 128 --steps 500 --eval-every 50",
  overfit: "--data data/ -n 1000 --epochs 10",
  doctor: "--run logs/ --data data/",
};

/** Stop a job like Ctrl-C (it checkpoints); once stopping, a second press makes it exit at once. */
export function stopButton(job, app, id) {
  return h(
    `button.stop${id ? `#${id}` : ""}`,
    {
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          await post("/api/jobs/stop", { id: job.id });
        } catch (err) {
          app.error(err.message);
        }
      },
    },
    job.state === "stopping" ? "Stop now" : "Stop",
  );
}

export function jobsPanel(app) {
  let protocols = [];
  const command = h("select#job-command", { "aria-label": "Protocol" });
  const args = h("input#job-args", {
    type: "text",
    spellcheck: false,
    placeholder: "arguments",
    "aria-label": "Arguments",
    onkeydown: (e) => {
      if (e.key === "Enter") start();
    },
  });
  const error = h("span.job-error", { role: "alert" });
  const startBtn = h("button#job-start.primary", { onclick: () => start() }, "Start");
  const list = h("div.jobs-list");
  const form = h("div.job-form", h("span.job-prefix", "plateau"), command, args, startBtn, error);
  const el = h("section.jobs", { "aria-label": "Protocols" }, h("h2", "Start a protocol"), form, list);
  command.addEventListener("change", () => {
    args.placeholder = EXAMPLES[command.value] ?? "arguments";
  });

  async function start() {
    error.textContent = "";
    let argv;
    try {
      argv = splitArgs(args.value);
    } catch (err) {
      error.textContent = err.message;
      return;
    }
    startBtn.disabled = true;
    try {
      await post("/api/jobs", { command: command.value, args: argv });
      args.value = "";
    } catch (err) {
      error.textContent = err.message;
    } finally {
      startBtn.disabled = false;
    }
  }

  function update(jobs) {
    list.replaceChildren(...jobs.map(jobRow));
  }

  function jobRow(j) {
    const running = j.state !== "exited";
    const state =
      j.state !== "exited"
        ? j.state
        : j.signal
          ? `killed (${j.signal})`
          : j.stopped && (j.exit_code === 0 || j.exit_code === 130)
            ? "stopped"
            : j.exit_code === 0
              ? "done"
              : `failed (exit ${j.exit_code})`;
    const out = h("pre.job-output", j.output.split("\n").slice(-12).join("\n"));
    return h(
      `div.job.job-${running ? "running" : "exited"}`,
      { dataset: { job: j.id } },
      h(
        "div.job-line",
        h("code.job-cmd", ["plateau", j.command, ...j.args].join(" ")),
        h(
          `span.badge.status-${running ? "running" : j.exit_code === 0 ? "completed" : "interrupted"}`,
          state,
        ),
        j.run ? h("a.job-run", { href: runHref(j.run) }, "open run") : null,
        running ? stopButton(j, app) : null,
      ),
      out,
    );
  }

  get("/api/jobs")
    .then((r) => {
      protocols = r.protocols;
      command.replaceChildren(...protocols.map((p) => h("option", { value: p }, p)));
      args.placeholder = EXAMPLES[command.value] ?? "arguments";
      if (!protocols.length) {
        form.replaceChildren(h("span.muted", "No protocol commands in this build."));
      }
      update(r.jobs);
    })
    .catch((err) => app.error(err.message));

  return { el, update };
}
