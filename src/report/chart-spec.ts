/**
 * A chart as data: what the report's (and the dashboard's) client script draws with uPlot. Everything the chart
 * shows is in the spec — series already smoothed at full resolution and downsampled (M4) to the pixel width,
 * shaded regions, markers, reference lines — so a server can compute specs and a page only draws them.
 */

export interface ChartSeries {
  label: string;
  /** x values (steps), ascending. */
  x: number[];
  /** y values; null is a gap. */
  y: (number | null)[];
  color: string;
  width?: number;
  /** Canvas dash pattern, e.g. [6, 4] for a projection. */
  dash?: number[];
  /** Draw points (for sparse series such as eval). */
  points?: boolean;
  /** 0..1 line opacity (the raw series under its smoothing is faint). */
  alpha?: number;
  /** Only in this x-axis mode (a smoothing tuned for linear or for log x). */
  view?: "linear" | "log";
  /** Connect across nulls (a sparse series merged onto a dense x grid). */
  spanGaps?: boolean;
}

export interface ChartRegion {
  from: number;
  to: number;
  label: string;
  color: string;
}

export interface ChartMarker {
  x: number;
  /** With a y, a point marker; without, a vertical line across the plot. */
  y?: number;
  label: string;
  color: string;
  kind: "spike" | "change" | "event" | "nan";
}

export interface ChartLine {
  y: number;
  label: string;
  color: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  height?: number;
  xLabel: string;
  yLabel: string;
  /** Log-scaled y axis (gradient norms, learning rates spanning decades). */
  logY?: boolean;
  /**
   * y range on the linear x axis, so the initial descent from ln V does not flatten everything after it (like
   * TensorBoard's "ignore outliers"); on the log x axis the whole curve is shown.
   */
  yRange?: [number, number];
  /** x range on the linear x axis (charts of one run share it so their panes line up). */
  xRange?: [number, number];
  series: ChartSeries[];
  regions?: ChartRegion[];
  markers?: ChartMarker[];
  lines?: ChartLine[];
  /** Charts with the same group share the cursor. */
  syncGroup?: string;
}

export const PALETTE = {
  train: "#2563eb",
  trainRaw: "#2563eb",
  eval: "#dc2626",
  fit: "#7c3aed",
  lr: "#059669",
  grad: "#d97706",
  plateau: "rgba(234, 179, 8, 0.16)",
  schedule: "rgba(16, 185, 129, 0.12)",
  problem: "rgba(239, 68, 68, 0.12)",
  spike: "#dc2626",
  change: "#6b7280",
  reference: "#9ca3af",
} as const;
