/* The corridor map: a Leaflet map with no tiles, over the shipped Natural Earth basemap.
 * LJ.map.create(element)             the map, with the basemap drawn and the region in view
 * LJ.map.modeStyle(props)            stroke colour, width and dashes of a link by mode (rail by gauge)
 * LJ.map.legend(map, entries)        a legend control
 * LJ.map.network()                   the whole network (GeoJSON), fetched once per page
 */
"use strict";
(function () {
  const LJ = window.LJ;
  const M = (LJ.map = {});

  /* Colours of the modes; rail split by gauge, as the map legend shows them. */
  M.COLORS = {
    rail_1435: "#1f5fa8", rail_1520: "#b0223a", rail_dual: "#7b3fa0", rail: "#1f5fa8",
    road: "#e07b00", river: "#0f8f8f", sea: "#24408e", air: "#6b6b6b", pipeline: "#7a5230",
    crossing: "#111111",
  };

  M.modeKey = function (props) {
    if (props.mode !== "rail") return props.mode;
    const g = Array.isArray(props.gauge_mm) ? props.gauge_mm.join("/") : String(props.gauge_mm ?? "");
    if (g.includes("/")) return "rail_dual";  // 1435/1520
    if (g === "1520") return "rail_1520";
    return "rail_1435";
  };

  M.modeStyle = function (props, usable) {
    const key = M.modeKey(props);
    const style = { color: M.COLORS[key] || "#444", weight: 2.5, opacity: 0.9, lineCap: "round" };
    if (props.mode === "rail") style.weight = 3;
    if (props.mode === "sea") { style.dashArray = "6 5"; style.weight = 2; }
    if (props.mode === "river") { style.dashArray = "2 4"; style.weight = 3; }
    if (props.mode === "air") { style.dashArray = "1 6"; style.weight = 1.5; }
    if (props.mode === "pipeline") { style.dashArray = "10 3 2 3"; }
    if (usable === false) { style.opacity = 0.35; style.color = "#9a9a9a"; style.dashArray = "3 5"; }
    return style;
  };

  M.create = function (element, options) {
    const map = L.map(element, Object.assign({
      zoomSnap: 0.25, worldCopyJump: false, preferCanvas: false, attributionControl: true,
      keyboard: true, minZoom: 2, maxZoom: 12,
    }, options || {}));
    map.attributionControl.setPrefix(false);
    // the container changes size with the page's layout (results, notices, phone rotation)
    if (window.ResizeObserver) new ResizeObserver(() => map.invalidateSize()).observe(element);
    map.attributionControl.addAttribution(LJ.t("mapview.attribution"));
    map.createPane("basemap").style.zIndex = 200;
    map.fitBounds([[38.5, 116], [55.5, 142]]);
    M.basemap().then((geo) => {
      L.geoJSON(geo, {
        pane: "basemap", interactive: false,
        style: (f) => ({ color: "#8c8c8c", weight: 0.8, fillColor: f.properties.iso_a3 === "CHN" ? "#f3efe6"
          : f.properties.iso_a3 === "RUS" ? "#eef1f4" : "#f5f5f2", fillOpacity: 1 }),
      }).addTo(map);
      element.dataset.basemap = "ready";
      performance.mark("lj-basemap");
      element.dispatchEvent(new CustomEvent("lj:basemap"));
    });
    return map;
  };

  let basemapPromise = null;
  M.basemap = function () {
    if (!basemapPromise) basemapPromise = LJ.api(LJ.config.basemap);
    return basemapPromise;
  };

  let networkPromise = null;
  M.network = function () {
    if (!networkPromise) networkPromise = LJ.api("/api/network");
    return networkPromise;
  };

  /* Node features by id, from a network FeatureCollection. */
  M.nodesById = function (geo) {
    const nodes = new Map();
    for (const f of geo.features) if (f.properties.feature === "node") nodes.set(f.id, f);
    return nodes;
  };

  /* [lat, lon] pairs of a LineString feature (GeoJSON is lon, lat). */
  M.latLngs = (feature) => feature.geometry.coordinates.map(([lon, lat]) => [lat, lon]);

  M.LEGEND = ["rail_1435", "rail_1520", "rail_dual", "road", "river", "sea", "air", "pipeline"];

  M.legend = function (map, entries, extra) {
    const control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      const box = LJ.el("div", { class: "legend", role: "group", "aria-label": LJ.t("mapview.legend") });
      for (const key of entries || M.LEGEND) {
        box.append(LJ.el("div", { class: "legend-row" }, [
          LJ.el("span", { class: "swatch swatch-" + key, "aria-hidden": "true" }),
          LJ.t("mode." + key),
        ]));
      }
      if (extra) box.append(extra);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  };

  /* A definition list (for details panels) from [label, value] rows, skipping empty values. */
  M.details = function (rows) {
    const dl = LJ.el("dl", { class: "facts" });
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      dl.append(LJ.el("dt", { text: label }), LJ.el("dd", {}, value));
    }
    return dl;
  };
})();
