/* Small SVG charts of our own (no chart library: a scatter is a few dozen lines).
 * LJ.charts.scatter(options) -> {element, select(i)}
 *   points: [{x, y, c, label}], xLabel, yLabel, cLabel, format{X,Y,C}(v), onSelect(i)
 * Points are focusable buttons: Tab to a point, Enter or Space to choose it.
 */
"use strict";
(function () {
  const LJ = window.LJ;
  const C = (LJ.charts = LJ.charts || {});

  /* "Nice" axis ticks covering [lo, hi]. */
  C.ticks = function (lo, hi, count) {
    if (!(hi > lo)) { const pad = Math.abs(lo) * 0.1 || 1; lo -= pad; hi += pad; }
    const raw = (hi - lo) / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
    const start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step;
    const out = [];
    for (let v = start; v <= end + step / 2; v += step) out.push(Math.round(v / step) * step);
    return out;
  };

  /* Green (low) to red (high), for a value in [0, 1]. */
  C.ramp = function (t) {
    const stops = [[26, 150, 65], [166, 217, 106], [253, 174, 97], [215, 25, 28]];
    const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x)), f = x - i;
    const rgb = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
    return "rgb(" + rgb.join(",") + ")";
  };

  C.scatter = function (o) {
    const W = 480, H = 300, m = { l: 80, r: 18, t: 14, b: 50 };
    const xs = o.points.map((p) => p.x), ys = o.points.map((p) => p.y), cs = o.points.map((p) => p.c);
    const xt = C.ticks(Math.min(...xs), Math.max(...xs), 5), yt = C.ticks(Math.min(...ys), Math.max(...ys), 5);
    const x0 = xt[0], x1 = xt[xt.length - 1], y0 = yt[0], y1 = yt[yt.length - 1];
    const cmin = Math.min(...cs), cmax = Math.max(...cs);
    const sx = (v) => m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r);
    const sy = (v) => H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b);
    const title = LJ.svg("title", { text: o.title });
    const svg = LJ.svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": o.title }, [title]);
    const axis = LJ.svg("g", { class: "axis" });
    for (const v of xt) {
      axis.append(LJ.svg("line", { x1: sx(v), x2: sx(v), y1: H - m.b, y2: H - m.b + 5 }),
        LJ.svg("text", { x: sx(v), y: H - m.b + 17, "text-anchor": "middle", text: o.formatX(v) }));
    }
    for (const v of yt) {
      axis.append(LJ.svg("line", { x1: m.l - 5, x2: W - m.r, y1: sy(v), y2: sy(v), "stroke-opacity": 0.25 }),
        LJ.svg("text", { x: m.l - 8, y: sy(v) + 4, "text-anchor": "end", text: o.formatY(v) }));
    }
    axis.append(LJ.svg("path", { d: `M${m.l},${m.t} V${H - m.b} H${W - m.r}`, fill: "none" }),
      LJ.svg("text", { x: (m.l + W - m.r) / 2, y: H - 8, "text-anchor": "middle", text: o.xLabel }),
      LJ.svg("text", { x: 12, y: (m.t + H - m.b) / 2, "text-anchor": "middle",
                       transform: `rotate(-90 12 ${(m.t + H - m.b) / 2})`, text: o.yLabel }));
    svg.append(axis);
    const dots = o.points.map((p, i) => {
      const t = cmax > cmin ? (p.c - cmin) / (cmax - cmin) : 0.5;
      const label = p.label;
      const dot = LJ.svg("circle", { cx: sx(p.x), cy: sy(p.y), r: 8, fill: C.ramp(t), stroke: "#333",
        "stroke-width": 1, class: "point", tabindex: 0, role: "button", "aria-label": label,
        "data-index": i, onclick: () => o.onSelect(i),
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); o.onSelect(i); } } },
        [LJ.svg("title", { text: label })]);
      return dot;
    });
    svg.append(...dots);
    const legend = LJ.el("p", { class: "summary" }, [
      o.cLabel + ": ",
      LJ.el("span", { class: "ramp-low", text: o.formatC(cmin) }), " ",
      LJ.el("span", { class: "ramp", "aria-hidden": "true" }), " ",
      LJ.el("span", { class: "ramp-high", text: o.formatC(cmax) }),
    ]);
    const element = LJ.el("figure", { class: "chart" }, [svg, LJ.el("figcaption", { class: "summary", text: o.caption }), legend]);
    return {
      element,
      select(i) { dots.forEach((d, k) => d.classList.toggle("selected", k === i)); },
    };
  };
})();
