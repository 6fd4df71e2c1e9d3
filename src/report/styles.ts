/** The report's stylesheet: system fonts, readable widths, severity colours that survive printing. */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --soft: #f9fafb;
  --critical: #b91c1c; --warning: #b45309; --info: #1d4ed8; --ok: #047857; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
p.sub, .muted { color: var(--muted); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
pre.cmd { background: #0f172a; color: #e2e8f0; padding: 8px 12px; border-radius: 6px; overflow-x: auto; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.critical { background: var(--critical); } .badge.warning { background: var(--warning); } .badge.info { background: var(--info); }
.rule { font-family: ui-monospace, monospace; font-size: 13px; white-space: nowrap; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 10px 0; background: var(--soft); }
.card h3 { margin-top: 0; }
.bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; width: 120px; display: inline-block; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: #4f46e5; }
.planned { font-size: 12px; color: var(--warning); font-weight: 600; }
.controls { position: sticky; top: 0; z-index: 5; background: rgba(255,255,255,.95); padding: 8px 0; border-bottom: 1px solid var(--line); margin-bottom: 8px; }
.chart { margin: 12px 0 20px; min-height: 120px; }
.legend-note { font-size: 13px; color: var(--muted); margin: -8px 0 12px; }
ul.evidence { margin: 4px 0 8px 18px; padding: 0; } ul.evidence li { margin: 2px 0; }
.for { color: var(--ok); font-weight: 600; } .against { color: var(--critical); font-weight: 600; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
@media print { .controls { position: static; } }
`;
