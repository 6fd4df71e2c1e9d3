import { describe, expect, it } from "vitest";
import { escapeHtml, html, jsonForScript, raw } from "../../src/report/html.js";
import { escapeMarkdown, findingsMarkdown, stepsText } from "../../src/report/markdown.js";
import { renderPage } from "../../src/report/page.js";

describe("escaping untrusted strings", () => {
  it("escapes the five HTML specials", () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;",
    );
  });
  it("the html tag escapes values and passes Html and arrays of Html through", () => {
    const name = "<script>alert(1)</script>";
    const out = html`<td>${name}</td>${[html`<b>${"&"}</b>`, raw("<i>ok</i>")]}${undefined}${false}${0}`;
    expect(out.value).toBe("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><b>&amp;</b><i>ok</i>0");
  });
  it("JSON inside <script> cannot close the element or start a comment", () => {
    const s = jsonForScript({ name: "</script><!--x-->", line: "a\u2028b", bad: Number.NaN });
    expect(s).not.toMatch(/<|>|\u2028/);
    expect(JSON.parse(s)).toEqual({ name: "</script><!--x-->", line: "a\u2028b", bad: null });
  });
  it("Markdown: table pipes and markup in run names are escaped", () => {
    expect(escapeMarkdown("a|b *c* <d>\nnext")).toBe("a\\|b \\*c\\* \\<d\\> next");
    const md = findingsMarkdown([
      {
        rule: "nan",
        severity: "critical",
        confidence: 1,
        evidence: { run: "r", summary: "x | y" },
        steps: [[5, 9]],
      },
    ]);
    expect(md).toContain("| critical | `nan` | 1.00 | 5–9 | x \\| y |");
    expect(stepsText([])).toBe("—");
    expect(
      stepsText([
        [1, 1],
        [2, 3],
        [4, 5],
        [6, 7],
        [8, 9],
      ]),
    ).toBe("1, 2–3, 4–5, 6–7, …");
  });
});

describe("self-contained page", () => {
  it("inlines uPlot, the stylesheet and the chart specs; fetches nothing", () => {
    const page = renderPage({
      title: "<t>",
      body: html`<p>${"<x>"}</p><div data-chart="c1"></div>`,
      charts: [
        {
          id: "c1",
          title: "t",
          xLabel: "step",
          yLabel: "loss",
          series: [{ label: "</script>", x: [1, 2], y: [3, 4], color: "#000" }],
        },
      ],
    });
    expect(page).toContain("<title>&lt;t&gt;</title>");
    expect(page).toContain("<p>&lt;x&gt;</p>");
    expect(page).toMatch(/var uPlot=function/);
    expect(page).toContain('id="plateau-charts"');
    // the only </script> tags are the three we wrote
    expect(page.match(/<\/script>/g)?.length).toBe(3);
    // no external resource: no script src, no stylesheet link, no url(http…) in CSS (uPlot's source mentions its
    // GitHub page in a comment, which loads nothing)
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(\s*["']?https?:/);
  });
  it("a page without charts carries no script at all", () => {
    expect(renderPage({ title: "t", body: html`<p>x</p>` })).not.toContain("<script");
  });
});
