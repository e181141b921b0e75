// The small map on an organization's page: its point, on the base map when one is set.
(function () {
  'use strict';
  var el = document.getElementById('org-map');
  if (!el) return;
  var point = [Number(el.dataset.lat), Number(el.dataset.lon)];
  var map = L.map(el, { zoomControl: true, minZoom: 3, maxZoom: 18, attributionControl: false });
  var tiles = el.dataset.tiles;
  if (tiles) L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  map.setView(point, 15);
  L.circleMarker(point, { radius: 7, color: '#b22222', fillOpacity: 0.8 }).addTo(map);
}());
