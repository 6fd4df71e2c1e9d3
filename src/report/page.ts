import { uplotAssets } from "./assets.js";
import type { ChartSpec } from "./chart-spec.js";
import { CHART_CLIENT_JS } from "./client.js";
import { type Html, html, jsonForScript, raw } from "./html.js";
import { REPORT_CSS } from "./styles.js";

export interface PageOptions {
  title: string;
  body: Html;
  /** Charts drawn into the body's `<div data-chart="id">` elements. */
  charts?: ChartSpec[];
  /** Extra CSS appended after the report stylesheet. */
  css?: string;
}

/**
 * A complete, self-contained HTML document: the report stylesheet, uPlot's stylesheet and script inlined, the
 * chart specs as inert JSON, and the chart client. Nothing is fetched, so the page works from a file, an e-mail
 * attachment or an archived run directory, and under a strict CSP that allows inline script.
 */
export function renderPage(o: PageOptions): string {
  const charts = o.charts ?? [];
  const assets = charts.length ? uplotAssets() : undefined;
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="plateau">
<title>${o.title}</title>
<style>${raw(REPORT_CSS)}${raw(o.css ?? "")}</style>
${assets ? raw(`<style>${assets.css}</style>`) : ""}
</head>
<body>
<main>
${o.body}
</main>
${
  assets
    ? raw(
        `<script type="application/json" id="plateau-charts">${jsonForScript(charts)}</script>\n<script>${assets.js}</script>\n<script>${CHART_CLIENT_JS}</script>`,
      )
    : ""
}
</body>
</html>
`;
  return doc.value;
}

/** The log-x switch the chart client listens to. */
export function logXSwitch(): Html {
  return html`<label><input type="checkbox" id="plateau-logx"> log-scale x axis</label>`;
}

/** A placeholder the chart client fills with the chart of that spec id. */
export function chartSlot(id: string): Html {
  return html`<div class="chart" data-chart="${id}"></div>`;
}
