/* Small SVG charts for the statistics page, built with LJ.svg (no chart library).
 * LJ.statsCharts.line(spec)      a line chart of yearly series: one line per partner,
 *                                each point's marker by where the figure comes from
 * LJ.statsCharts.marker(kind, x, y, colour)   the marker of one kind of source
 * LJ.statsCharts.niceTicks(lo, hi, n)         round axis ticks covering [lo, hi]
 */
"use strict";
(function () {
  const LJ = window.LJ;
  const C = (LJ.statsCharts = {});

  /* colours of the partners, in order (colour-blind-safe palette) */
  C.PALETTE = ["#1f5fa8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#444444"];

  /* Round tick values (1, 2, 2.5 or 5 times a power of ten) spanning lo..hi. */
  C.niceTicks = function (lo, hi, n) {
    if (!(hi > lo)) { const pad = Math.abs(lo) * 0.1 || 1; lo -= pad; hi += pad; }
    const raw = (hi - lo) / Math.max(1, n || 4);
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw);
    const first = Math.floor(lo / step) * step, last = Math.ceil(hi / step) * step;
    const ticks = [];
    for (let v = first; v <= last + step / 2; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
    return { ticks, step, lo: first, hi: last };
  };

  /* Markers: seed paper a filled circle, newer official data a diamond, a press report a triangle. */
  C.marker = function (kind, x, y, colour) {
    if (kind === "official") {
      const r = 6;
      return LJ.svg("path", { d: `M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z`,
        fill: "#ffffff", stroke: colour, "stroke-width": 2.5, class: "mark mark-official" });
    }
    if (kind === "press") {
      const r = 6;
      return LJ.svg("path", { d: `M${x} ${y - r}L${x + r} ${y + r * 0.8}L${x - r} ${y + r * 0.8}Z`,
        fill: "#ffffff", stroke: colour, "stroke-width": 2, class: "mark mark-press" });
    }
    return LJ.svg("circle", { cx: x, cy: y, r: 4, fill: colour, stroke: "#ffffff", "stroke-width": 1,
      class: "mark mark-paper" });
  };

  /* A legend swatch: the marker alone in a tiny SVG. */
  C.swatch = function (kind, colour) {
    return LJ.svg("svg", { width: 16, height: 16, viewBox: "0 0 16 16", "aria-hidden": "true", class: "stats-swatch" },
      kind === "flagged" ? LJ.svg("circle", { cx: 8, cy: 8, r: 6, fill: "none", stroke: "#b3261e", "stroke-width": 2 })
        : kind === "line" ? LJ.svg("line", { x1: 1, y1: 8, x2: 15, y2: 8, stroke: colour, "stroke-width": 3 })
          : C.marker(kind, 8, 8, colour || "#333333"));
  };

  let serial = 0;

  /* spec: { title, desc, series: [{ name, colour, points: [{ year, value, kind, flagged, label }] }],
   *         yLabel, xLabel, format(value, step) -> tick text, tip(point, series) -> text,
 *         label(point) -> the value written beside a point when there are three or fewer } */
  C.line = function (spec) {
    const W = 440, H = 250, L = 58, R = 14, T = 24, B = 40;
    const id = "stats-chart-" + (++serial);
    const points = spec.series.flatMap((s) => s.points);
    const years = points.map((p) => p.year), values = points.map((p) => p.value);
    let y0 = Math.min(0, ...values), y1 = Math.max(0, ...values);
    const yt = C.niceTicks(y0, y1, 4);
    y0 = yt.lo; y1 = yt.hi;
    const a = Math.min(...years), b = Math.max(...years);
    const x0 = a === b ? a - 1 : a, x1 = a === b ? b + 1 : b;
    const x = (v) => L + (v - x0) / (x1 - x0) * (W - L - R);
    const y = (v) => T + (y1 - v) / (y1 - y0) * (H - T - B);
    const svg = LJ.svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": id + "-t " + id + "-d",
      class: "stats-svg" });
    svg.append(LJ.svg("title", { id: id + "-t", text: spec.title }), LJ.svg("desc", { id: id + "-d", text: spec.desc }));
    const grid = LJ.svg("g", { class: "grid" });
    const axis = LJ.svg("g", { class: "axis" });
    for (const v of yt.ticks) {
      grid.append(LJ.svg("line", { x1: L, y1: y(v), x2: W - R, y2: y(v), class: v === 0 ? "zero" : null }));
      axis.append(LJ.svg("text", { x: L - 5, y: y(v) + 4, "text-anchor": "end", text: spec.format(v, yt.step) }));
    }
    const span = x1 - x0;
    const every = span <= 7 ? 1 : span <= 14 ? 2 : 5;
    for (let v = Math.ceil(x0); v <= x1; v++) {
      if ((v - Math.ceil(x0)) % every !== 0) continue;
      if (a === b && v !== a) continue;
      axis.append(LJ.svg("line", { x1: x(v), y1: H - B, x2: x(v), y2: H - B + 4 }));
      axis.append(LJ.svg("text", { x: x(v), y: H - B + 16, "text-anchor": "middle", text: String(v) }));
    }
    axis.append(LJ.svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B }));
    axis.append(LJ.svg("line", { x1: L, y1: T, x2: L, y2: H - B }));
    axis.append(LJ.svg("text", { x: L + (W - L - R) / 2, y: H - 4, "text-anchor": "middle", class: "axis-label",
      text: spec.xLabel }));
    axis.append(LJ.svg("text", { x: 4, y: 12, "text-anchor": "start", class: "axis-label",
      text: spec.yLabel }));
    svg.append(grid, axis);
    const sparse = points.length <= 3;
    for (const s of spec.series) {
      const pts = [...s.points].sort((p, q) => p.year - q.year);
      if (pts.length > 1) {
        svg.append(LJ.svg("polyline", { fill: "none", stroke: s.colour, "stroke-width": 2, class: "series-line",
          points: pts.map((p) => `${x(p.year).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ") }));
      }
      for (const p of pts) {
        const g = LJ.svg("g", { class: "point" + (p.flagged ? " flagged" : ""), "data-kind": p.kind });
        if (p.flagged) {
          g.append(LJ.svg("circle", { cx: x(p.year), cy: y(p.value), r: 9, fill: "none", stroke: "#b3261e",
            "stroke-width": 2, class: "flag-ring" }));
        }
        g.append(C.marker(p.kind, x(p.year), y(p.value), s.colour));
        g.append(LJ.svg("title", { text: spec.tip(p, s) }));
        if (sparse && spec.label) {     // a few points: their values written beside them
          g.append(LJ.svg("text", { x: x(p.year) + 9, y: y(p.value) - 7, class: "point-label",
            "text-anchor": x(p.year) > W - 90 ? "end" : "start", text: spec.label(p) }));
        }
        svg.append(g);
      }
    }
    return svg;
  };
})();
