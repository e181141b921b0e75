// The coverage map: hexagons of the visible area from /api/coverage/cells at a resolution
// chosen from the zoom, or the divisions one level below the one shown
// (/api/coverage/divisions.geojson), coloured by the rate or the count chosen; a panel with
// a hexagon's or a division's counts; organizations as points at street zoom. The view (centre, zoom, rate,
// filters, the hexagon or organization selected) is kept in the URL, so that links and the
// browser's back button restore it. No inline script (CSP), and user data only ever
// reaches the page as text.
(function () {
  'use strict';

  // The page's language (the layout sets <html lang>): each text has its two forms.
  var EN = document.documentElement.lang === 'en';
  function t(zh, en) { return EN ? en : zh; }

  var RATES = {
    work_coverage_rate: t('工作覆盖率', 'Work coverage'),
    org_coverage_rate: t('组织覆盖率', 'Organizational coverage'),
    own_organization_rate: t('单独组建率', 'Own-organization rate')
  };
  var COUNTS = {
    uncovered: t('未覆盖数', 'Uncovered organizations'),
    should_build_not_built: t('应建未建数', 'Should build, not built'),
    total: t('社会组织数', 'Organizations')
  };
  var COVERAGE = {
    own: t('单独组建', 'own organization'), joint: t('联合组建', 'joint organization'),
    instructor: t('派驻指导员', 'instructor'), uncovered: t('未覆盖', 'uncovered')
  };
  // Points take colours apart from the hexagons' red-to-blue scale (and from the joint-branch
  // proposals' purple), so that a point never reads as a rate.
  var COVERAGE_COLOURS = { own: '#1b9e77', joint: '#66a61e', instructor: '#e6ab02', uncovered: '#e7298a' };
  var GROUP_COLOUR = '#6a3d9a';
  var RECOMMENDATION = {
    own_committee: t('单独建立党委', 'own committee'),
    own_general_branch: t('单独建立党总支', 'own general branch'),
    own_branch_committee: t('单独建立党支部（设支委会）', 'own branch with committee'),
    own_branch: t('单独建立党支部', 'own branch'),
    transfer_relations: t('转接组织关系后单独建支部', 'transfer relations, then own branch'),
    industry_joint: t('纳入行业党组织', 'join industry organization'),
    regional_joint: t('组建区域联合党支部', 'regional joint branch'),
    instructor: t('选派党建工作指导员', 'assign an instructor')
  };
  // Rate classes: lower bound and colour, from red (low) to blue (full).
  var CLASSES = [
    [0.95, '#2166ac'], [0.8, '#67a9cf'], [0.6, '#d1e5f0'],
    [0.4, '#fddbc7'], [0.2, '#ef8a62'], [0, '#b2182b']
  ];
  // Count classes, from light (few) to dark (many); an area with none is grey. The classes'
  // bounds come from the areas shown (see countBreaks).
  var COUNT_COLOURS = ['#fee5d9', '#fcae91', '#fb6a4a', '#de2d26', '#a50f15'];
  var EMPTY_COLOUR = '#e0e0e0';
  // Change classes (the map coloured by the change since a day): lower bound and colour,
  // from red (worse) through white (no change) to blue (better). A rate's change is in
  // fractions; a count's bounds come from the areas shown (see changeBreaks).
  var RATE_CHANGE_CLASSES = [
    [0.1, '#2166ac'], [0.02, '#67a9cf'], [0.0001, '#d1e5f0'], [-0.0001, '#f7f7f7'],
    [-0.02, '#fddbc7'], [-0.1, '#ef8a62'], [-Infinity, '#b2182b']
  ];
  var CHANGE_COLOURS = ['#2166ac', '#67a9cf', '#f7f7f7', '#ef8a62', '#b2182b'];
  var POINT_ZOOM = 14;

  var el = document.getElementById('map');
  var form = document.getElementById('filters');
  var panel = document.getElementById('panel');
  var statusBox = document.getElementById('status');
  var legendBox = document.getElementById('legend');
  var rateSelect = document.getElementById('rate');
  var modeSelect = document.getElementById('mode');
  var breadcrumb = document.getElementById('breadcrumb');
  function divisionMode() { return modeSelect.value === 'divisions'; }
  var sinceInput = document.getElementById('since');
  // Coloured by the change since a day rather than by the figures of today.
  function changeMode() { return sinceInput.value !== ''; }
  function isCount(measure) { return Object.prototype.hasOwnProperty.call(COUNTS, measure); }
  // The lower bounds of the count classes for the areas shown: 1, then the quintiles of the
  // areas that have any, rounded to two figures for a legend people read, so that each
  // colour holds about as many areas.
  var breaks = [1];
  function rounded(v) {
    if (v < 100) return v;
    var unit = Math.pow(10, Math.floor(Math.log10(v)) - 1);
    return Math.round(v / unit) * unit;
  }
  function countBreaks(features) {
    var values = features.map(function (f) { return f.properties[rateSelect.value]; });
    var positive = values.filter(function (v) { return v > 0; }).sort(function (a, b) { return a - b; });
    var found = [1];
    [0.2, 0.4, 0.6, 0.8].forEach(function (q) {
      var v = positive[Math.floor(q * positive.length)];
      if (v !== undefined) v = rounded(v);
      if (v !== undefined && v > found[found.length - 1]) found.push(v);
    });
    return found;
  }
  // A count's change classes: the largest change shown, halved and rounded, bounds the
  // dark classes, so that the map always shows where most moved.
  var changeBound = 1;
  function changeBreaks(features) {
    var largest = 0;
    features.forEach(function (f) {
      largest = Math.max(largest, Math.abs(f.properties[rateSelect.value + '_change'] || 0));
    });
    return Math.max(2, rounded(Math.ceil(largest / 2)));
  }
  // For the uncovered and the should-build-not-built, more is worse; for the number of
  // organizations, more is growth.
  function moreIsWorse(measure) { return measure !== 'total'; }
  function changeColour(p) {
    var measure = rateSelect.value;
    var change = p[measure + '_change'];
    if (change === null || change === undefined) return EMPTY_COLOUR;
    if (!isCount(measure)) {
      for (var i = 0; i < RATE_CHANGE_CLASSES.length; i++) {
        if (change >= RATE_CHANGE_CLASSES[i][0]) return RATE_CHANGE_CLASSES[i][1];
      }
    }
    var better = moreIsWorse(measure) ? -change : change;
    if (better >= changeBound) return CHANGE_COLOURS[0];
    if (better > 0) return CHANGE_COLOURS[1];
    if (better === 0) return CHANGE_COLOURS[2];
    if (better > -changeBound) return CHANGE_COLOURS[3];
    return CHANGE_COLOURS[4];
  }
  // A change as people write it: a sign, and a rate's in percentage points.
  // On the map's labels, where the legend gives the unit, without it.
  function signed(change, measure, short) {
    if (change === null || change === undefined) return t('无可比', 'n/a');
    var value = isCount(measure) ? String(Math.abs(change)) : (Math.abs(change) * 100).toFixed(1);
    var sign = change > 0 ? '+' : (change < 0 ? '−' : '±');
    return sign + value + (isCount(measure) || short ? '' : t(' 个百分点', ' points'));
  }
  var unlocatedNote = document.getElementById('unlocated');
  // What the panel says before anything is chosen, put back when the hexagons return.
  var panelHint = Array.prototype.slice.call(panel.childNodes);

  var map = L.map(el, { zoomControl: true, minZoom: 3, maxZoom: 18 });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);
  }
  // What a link asked to be selected: outlined (a hexagon) or marked (an organization)
  // once the map has drawn it.
  var wantedCell = el.dataset.cell || null;
  var wantedOrg = el.dataset.org || null;

  // The zoom at which the map shows a resolution: the inverse of resolutionFor.
  var ZOOM_FOR = { 4: 5, 5: 7, 6: 8, 7: 10, 8: 12, 9: 15, 10: 16 };

  function initialView() {
    var view = el.dataset.view ? el.dataset.view.split(',').map(Number) : null;
    if (view) {
      map.setView([view[0], view[1]], view[2]);
    } else if (wantedCell) {
      var c = el.dataset.bounds.split(',').map(Number);
      var res = parseInt(wantedCell.charAt(1), 16);
      map.setView([(c[1] + c[3]) / 2, (c[0] + c[2]) / 2], ZOOM_FOR[res] || 10);
    } else if (wantedOrg && el.dataset.orgPoint) {
      var p = el.dataset.orgPoint.split(',').map(Number);
      map.setView([p[1], p[0]], 16);
    } else {
      var b = el.dataset.bounds.split(',').map(Number);
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [10, 10] });
    }
  }

  function resolutionFor(zoom) {
    if (zoom <= 5) return 4;
    if (zoom <= 7) return 5;
    if (zoom <= 8) return 6;
    if (zoom <= 10) return 7;
    if (zoom <= 12) return 8;
    if (zoom <= 15) return 9;
    return 10;
  }

  function colour(rate) {
    for (var i = 0; i < CLASSES.length; i++) {
      if (rate >= CLASSES[i][0]) return CLASSES[i][1];
    }
    return CLASSES[CLASSES.length - 1][1];
  }

  function countColour(n) {
    if (!n) return EMPTY_COLOUR;
    var i = breaks.length - 1;
    while (i > 0 && n < breaks[i]) i -= 1;
    // Fewer classes than colours take the dark end, so that the most is always darkest.
    return COUNT_COLOURS[COUNT_COLOURS.length - breaks.length + i];
  }

  // An area's fill for the measure chosen; one without organizations has no rate.
  function fillOf(p) {
    var measure = rateSelect.value;
    if (changeMode()) return changeColour(p);
    if (isCount(measure)) return countColour(p[measure]);
    return p.total ? colour(p[measure]) : EMPTY_COLOUR;
  }

  function measureText(p, short) {
    var measure = rateSelect.value;
    var now = isCount(measure) ? String(p[measure]) : (p.total ? percent(p[measure]) : t('无社会组织', 'none'));
    return changeMode() ? now + t('（', ' (') + signed(p[measure + '_change'], measure, short) + t('）', ')') : now;
  }

  function text(tag, content, className) {
    var node = document.createElement(tag);
    if (content !== undefined) node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function percent(r) {
    return (r * 100).toFixed(1) + '%';
  }

  function setStatus(message) {
    statusBox.textContent = message;
  }

  function legendRow(colour, label, round) {
    var row = text('span', null, 'legend-row');
    var swatch = text('i', undefined, round ? 'dot' : undefined);
    swatch.style.background = colour;
    row.append(swatch, text('span', label));
    return row;
  }

  // The areas' scale (a rate's fixed classes, or a count's classes of the areas shown); at
  // street zoom the points' colours; the proposals when shown.
  function drawLegend() {
    var measure = rateSelect.value;
    legendBox.replaceChildren(text('strong', (RATES[measure] || COUNTS[measure]) +
      (changeMode() ? t('较 ', ' since ') + sinceInput.value + t(' 的变化', '') : '') +
      (divisionMode() ? t('（按区划）', ' (by division)') : t('（按网格）', ' (by hexagon)'))));
    if (changeMode()) {
      changeLegend(measure);
    } else if (isCount(measure)) {
      breaks.forEach(function (b, i) {
        var next = breaks[i + 1];
        var label = next === undefined ? b + t(' 及以上', ' or more') : (next - 1 > b ? b + ' – ' + (next - 1) : String(b));
        legendBox.append(legendRow(countColour(b), label));
      });
      legendBox.append(legendRow(EMPTY_COLOUR, '0'));
    } else {
      var bounds = [1, 0.95, 0.8, 0.6, 0.4, 0.2, 0];
      CLASSES.forEach(function (c, i) {
        legendBox.append(legendRow(c[1], percent(bounds[i + 1]).replace('.0', '') + ' – ' + percent(bounds[i]).replace('.0', '')));
      });
      if (divisionMode()) legendBox.append(legendRow(EMPTY_COLOUR, t('无社会组织', 'No organizations')));
    }
    if (map.getZoom() >= POINT_ZOOM && !divisionMode()) {
      legendBox.append(text('strong', t('社会组织', 'Organizations'), 'legend-points'));
      ['own', 'joint', 'instructor', 'uncovered'].forEach(function (c) {
        legendBox.append(legendRow(COVERAGE_COLOURS[c], COVERAGE[c], true));
      });
    }
    if (map.hasLayer(groups)) {
      legendBox.append(legendRow(GROUP_COLOUR, map.getZoom() < CLUSTER_BELOW
        ? t('拟建联合党支部（圈内个数，放大查看）', 'Proposed joint branches (how many in each circle; zoom in)')
        : t('拟建联合党支部（成员位置）', 'Proposed joint branch (its members)'), true));
    }
  }

  function changeLegend(measure) {
    if (!isCount(measure)) {
      var labels = ['+10 ' + t('个百分点以上', 'points or more'), '+2 – +10', '0 – +2', t('不变', 'no change'),
        '−2 – 0', '−10 – −2', '−10 ' + t('个百分点以下', 'points or fewer')];
      RATE_CHANGE_CLASSES.forEach(function (c, i) { legendBox.append(legendRow(c[1], labels[i])); });
      legendBox.append(legendRow(EMPTY_COLOUR, t('无可比（某一日无社会组织）', 'n/a (no organization on one of the days)')));
      return;
    }
    // Listed from the best to the worst: fewer uncovered is better, more organizations is growth.
    var b = changeBound;
    var rows = moreIsWorse(measure)
      ? ['−' + b + t(' 及以上（减少）', ' or more (fewer)'), '−1 – −' + (b - 1), t('不变', 'no change'), '+1 – +' + (b - 1), '+' + b + t(' 及以上（增加）', ' or more (more)')]
      : ['+' + b + t(' 及以上', ' or more'), '+1 – +' + (b - 1), t('不变', 'no change'), '−1 – −' + (b - 1), '−' + b + t(' 及以上', ' or more')];
    CHANGE_COLOURS.forEach(function (c, i) { legendBox.append(legendRow(c, rows[i])); });
  }

  function cellStyle(feature) {
    return { className: 'hexagon', color: '#555', weight: 0.6, fillColor: fillOf(feature.properties), fillOpacity: 0.65 };
  }

  // Recolours what is shown after the measure changed, its count classes from those areas.
  function recolour() {
    var layer = divisionMode() ? divisions : cells;
    var features = [];
    layer.eachLayer(function (l) { features.push(l.feature); });
    classesFrom(features);
    layer.setStyle(divisionMode() ? divisionStyle : cellStyle);
    if (selected && !divisionMode()) select(selected);
    if (chosenDivision && divisionMode()) chooseDivision(chosenDivision);
    drawLabels();
    drawLegend();
  }

  // The classes of a count or of a change, from the areas shown.
  function classesFrom(features) {
    if (changeMode()) changeBound = changeBreaks(features);
    else if (isCount(rateSelect.value)) breaks = countBreaks(features);
  }

  var selected = null;
  var cells = L.geoJSON(null, {
    style: cellStyle,
    onEachFeature: function (feature, layer) {
      layer.on('click', function () {
        select(layer);
        wantedCell = feature.properties.cell;
        wantedOrg = null;
        keepInUrl(true);
      });
    }
  }).addTo(map);
  function select(layer) {
    if (selected) cells.resetStyle(selected);
    selected = layer;
    layer.setStyle({ weight: 3, color: '#000' });
    layer.bringToFront();
    var path = layer.getElement && layer.getElement();
    if (path) path.classList.add('selected');
    showCell(layer.feature.properties);
  }

  // What the map shows, as a query: the mode, the filters, the measure and the
  // joint-branch layer.
  function shownQuery() {
    var q = filters();
    if (divisionMode()) q.set('mode', 'divisions');
    if (rateSelect.value !== 'work_coverage_rate') q.set('rate', rateSelect.value);
    if (form.elements.groups.checked) q.set('groups', '1');
    return q;
  }

  // The breadcrumb's links open another division with the same mode, measure and filters.
  function keepCrumbs() {
    breadcrumb.querySelectorAll('a').forEach(function (a) {
      var q = shownQuery();
      var division = new URL(a.href, window.location.href).searchParams.get('division');
      if (division) q.set('division', division); else q.delete('division');
      a.href = '/map?' + q;
    });
  }

  // The URL of the view as it is now: pushed as a step of its own (a selection, a filter)
  // or replacing the current one (a move).
  function keepInUrl(push) {
    var q = shownQuery();
    var centre = map.getCenter();
    q.set('lat', centre.lat.toFixed(5));
    q.set('lon', centre.lng.toFixed(5));
    q.set('z', String(map.getZoom()));
    if (wantedCell) q.set('cell', wantedCell);
    if (wantedOrg) q.set('org', wantedOrg);
    var url = '/map?' + q;
    if (url === window.location.pathname + window.location.search) return;
    if (push) window.history.pushState(null, '', url); else window.history.replaceState(null, '', url);
    keepCrumbs();
  }

  // Division outlines with their names, under the hexagons: what makes the map legible
  // with no base map, as a government network has none. Names are text nodes.
  map.createPane('outlines').style.zIndex = 350;
  var outlines = L.geoJSON(null, {
    pane: 'outlines', interactive: false,
    style: { className: 'outline', color: '#333', weight: 1.4, fill: false }
  }).addTo(map);
  var labels = L.layerGroup().addTo(map);
  var LABEL_ZOOM = 7;
  function loadOutlines(signal) {
    var q = new URLSearchParams({ bbox: bboxOf(map.getBounds()), zoom: String(map.getZoom()) });
    getJson('/api/boundaries.geojson?' + q, signal).then(function (body) {
      outlines.clearLayers();
      labels.clearLayers();
      outlines.addData(body);
      el.dataset.outlines = String(body.features.length);
      // The division map names its own divisions.
      if (map.getZoom() < LABEL_ZOOM || divisionMode()) return;
      body.features.forEach(function (f) {
        var p = f.properties;
        if (p.label_lat === undefined) return;
        labels.addLayer(L.tooltip({ permanent: true, direction: 'center', className: 'division-label', interactive: false })
          .setLatLng([p.label_lat, p.label_lon])
          .setContent(text('span', p.name)));
      });
    }).catch(function () {});
  }

  var points = L.layerGroup().addTo(map);
  var groups = L.layerGroup();
  // Proposals are drawn at their members' points: in a pane of their own above the points,
  // so that the layer switched on is the one the pointer meets, however the map redraws.
  map.createPane('groups').style.zIndex = 640;

  function filters() {
    var q = new URLSearchParams();
    ['kind', 'coverage', 'industry', 'division', 'since'].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) q.set(name, value);
    });
    return q;
  }

  function bboxOf(bounds) {
    return [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (x) { return x.toFixed(5); }).join(',');
  }

  function getJson(url, signal) {
    return fetch(url, { signal: signal, headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || r.statusText);
        return body;
      });
    });
  }

  // The division map: the divisions one level below the one shown (the division filter, or
  // the account's jurisdiction), each filled by the measure chosen, named at its label
  // point with its value. Divisions the boundary file has no outline for are listed in the
  // panel but cannot be drawn.
  var divisions = L.geoJSON(null, {
    style: divisionStyle,
    onEachFeature: function (feature, layer) {
      layer.on('click', function () { chooseDivision(feature.properties.division_code); });
    }
  });
  var divisionLabels = L.layerGroup();
  var divisionFeatures = [];
  var chosenDivision = null;
  var divisionsKey = null;
  function divisionStyle(feature) {
    var chosen = feature.properties.division_code === chosenDivision;
    return {
      className: 'division-area', color: chosen ? '#000' : '#444',
      weight: chosen ? 3 : 1, fillColor: fillOf(feature.properties), fillOpacity: 0.75
    };
  }

  function drawLabels() {
    divisionLabels.clearLayers();
    if (!divisionMode()) return;
    divisionFeatures.forEach(function (f) {
      var p = f.properties;
      if (p.label_lat === undefined) return;
      divisionLabels.addLayer(L.tooltip({ permanent: true, direction: 'center', className: 'division-label', interactive: false })
        .setLatLng([p.label_lat, p.label_lon])
        .setContent(text('span', (p.name || p.division_code) + ' ' + measureText(p, true))));
    });
  }

  function loadDivisions(signal) {
    var q = filters();
    var parent = q.get('division');
    q.delete('division');
    if (parent) q.set('parent', parent);
    q.set('zoom', String(map.getZoom()));
    var key = q.toString();
    if (key === divisionsKey) {
      setStatus(divisionStatus());
      return;
    }
    setStatus(t('正在加载…', 'Loading…'));
    getJson('/api/coverage/divisions.geojson?' + q, signal).then(function (body) {
      divisionsKey = key;
      divisionFeatures = body.features;
      classesFrom(body.features);
      divisions.clearLayers();
      divisions.addData(body);
      el.dataset.divisions = String(body.features.length);
      el.dataset.divisionLevel = body.level;
      drawLabels();
      drawLegend();
      if (chosenDivision) chooseDivision(chosenDivision); else listDivisions();
      setStatus(divisionStatus());
    }).catch(function (e) {
      if (e.name !== 'AbortError') setStatus(t('无法加载区划：', 'Cannot load the divisions: ') + e.message);
    });
  }

  var LEVEL_NAMES = {
    province: t('省级', 'provinces'), city: t('市级', 'cities'),
    county: t('县级', 'counties'), township: t('乡镇街道', 'townships')
  };
  function divisionStatus() {
    var unmapped = divisionFeatures.filter(function (f) { return !f.geometry; }).length;
    return divisionFeatures.length + t(' 个区划（', ' divisions (') + (LEVEL_NAMES[el.dataset.divisionLevel] || '') + t('）', ')') +
      (unmapped ? t(' · 其中 ', ' · ') + unmapped + t(' 个未导入界线，未着色，见右侧列表', ' have no outline loaded and are listed, not drawn') : '');
  }

  // The panel before a division is chosen: every division ranked by the measure, most
  // urgent first (lowest rate, highest count), each a button that chooses it.
  function listDivisions() {
    var measure = rateSelect.value;
    var ranked = divisionFeatures.slice().sort(function (a, b) {
      if (changeMode()) {
        // The most worsened first; no comparison last.
        var key = measure + '_change';
        var worse = function (p) {
          var c = p[key];
          if (c === null || c === undefined) return -Infinity;
          return isCount(measure) && moreIsWorse(measure) ? c : -c;
        };
        return worse(b.properties) - worse(a.properties);
      }
      var x = a.properties[measure], y = b.properties[measure];
      return isCount(measure) ? y - x : (b.properties.total ? 1 : 0) - (a.properties.total ? 1 : 0) || x - y;
    });
    panel.replaceChildren(text('h2', t('各区划', 'Divisions')),
      text('p', t('按', 'By ') + (RATES[measure] || COUNTS[measure]) +
        (changeMode() ? t('较 ', ' since ') + sinceInput.value + t(' 的变化', '') : '') +
        t('排列，点击区划查看详情。', ', most urgent first; click one for its details.')));
    var list = text('ol', null, 'division-list');
    ranked.forEach(function (f) {
      var p = f.properties;
      var li = text('li');
      var button = text('button', (p.name || p.division_code), 'link');
      button.type = 'button';
      button.addEventListener('click', function () { chooseDivision(p.division_code); });
      li.append(button, text('span', ' ' + measureText(p) + (f.geometry ? '' : t('（无界线）', ' (no outline)')), 'meta'));
      list.append(li);
    });
    panel.append(list);
  }

  // A division's figures, with links that drill down into it and show it as hexagons.
  function chooseDivision(code) {
    var feature = divisionFeatures.filter(function (f) { return f.properties.division_code === code; })[0];
    if (!feature) return;
    chosenDivision = code;
    divisions.setStyle(divisionStyle);
    // Leaflet sets a path's class once, when it draws it: the choice is marked by hand.
    divisions.eachLayer(function (layer) {
      var chosen = layer.feature.properties.division_code === code;
      if (chosen) layer.bringToFront();
      var path = layer.getElement && layer.getElement();
      if (path) path.classList.toggle('selected', chosen);
    });
    var p = feature.properties;
    panel.replaceChildren(text('h2', (p.name || p.division_code)));
    panel.append(text('p', t('区划代码 ', 'Division ') + p.division_code + (p.gap ? t(' · 未达到目标', ' · below its targets') : ''), p.gap ? 'gap' : ''));
    panel.append(countsTable(p));
    var actions = text('p', null, 'division-actions');
    var q = shownQuery();
    q.set('division', p.division_code);
    if (p.level !== 'township') {
      var down = text('a', t('进入', 'Open ') + (p.name || p.division_code) + t('（下一级区划）', ' (its divisions)'));
      down.href = '/map?' + q;
      actions.append(down, text('span', ' · '));
    }
    q.delete('mode');
    var hexagons = text('a', t('以网格查看', 'As hexagons'));
    hexagons.href = '/map?' + q;
    var back = text('button', t('返回列表', 'Back to the list'), 'link');
    back.type = 'button';
    back.addEventListener('click', function () {
      chosenDivision = null;
      divisions.setStyle(divisionStyle);
      divisions.eachLayer(function (layer) {
        var path = layer.getElement && layer.getElement();
        if (path) path.classList.remove('selected');
      });
      listDivisions();
    });
    actions.append(hexagons, text('span', ' · '), back);
    panel.append(actions);
  }

  // The counts and rates of an area (a hexagon or a division), as the panel lists them.
  // With the change since a day (when the answer carries it) in a third column.
  function countsTable(p) {
    var table = text('table', null, 'counts');
    var changes = p.total_change !== undefined;
    if (changes) {
      var head = text('tr');
      head.append(text('th'), text('th', t('现在', 'Now')), text('th', t('较 ', 'Since ') + sinceInput.value));
      table.append(head);
    }
    [
      [t('社会组织', 'Organizations'), p.total, 'total'], [t('单独组建', 'Own organization'), p.own],
      [t('联合组建', 'Joint organization'), p.joint], [t('派驻指导员', 'Instructor'), p.instructor],
      [t('未覆盖', 'Uncovered'), p.uncovered, 'uncovered'],
      [t('应建未建', 'Should build, not built'), p.should_build_not_built, 'should_build_not_built'],
      [RATES.own_organization_rate, percent(p.own_organization_rate), 'own_organization_rate'],
      [RATES.org_coverage_rate, percent(p.org_coverage_rate), 'org_coverage_rate'],
      [RATES.work_coverage_rate, percent(p.work_coverage_rate), 'work_coverage_rate'],
      [t('需新建党组织', 'Party organizations to found'), p.branches_to_found],
      [t('拟建联合党支部', 'Joint branches proposed'), p.joint_groups_proposed],
      [t('需选派指导员', 'Instructors needed'), p.instructors_needed]
    ].forEach(function (row) {
      var tr = text('tr');
      tr.append(text('th', row[0]), text('td', String(row[1])));
      if (changes) tr.append(text('td', row[2] ? signed(p[row[2] + '_change'], row[2]) : '', 'change'));
      table.append(tr);
    });
    return table;
  }

  // Switches the layers between the two modes.
  function showMode() {
    if (divisionMode()) {
      map.removeLayer(cells);
      map.removeLayer(points);
      map.addLayer(divisions);
      map.addLayer(divisionLabels);
      labels.clearLayers();
      // A division's figures count its organizations without a point too.
      showUnlocated(0);
    } else {
      map.removeLayer(divisions);
      map.removeLayer(divisionLabels);
      map.addLayer(cells);
      map.addLayer(points);
      chosenDivision = null;
      divisionsKey = null;
      panel.replaceChildren.apply(panel, panelHint);
    }
    selected = null;
  }

  var pending = null;
  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    loadOutlines(pending.signal);
    if (map.hasLayer(groups)) loadGroups(pending.signal);
    drawLegend();
    if (divisionMode()) {
      loadDivisions(pending.signal);
      return;
    }
    var zoom = map.getZoom();
    var res = resolutionFor(zoom);
    var q = filters();
    q.set('res', res);
    q.set('bbox', bboxOf(map.getBounds()));
    setStatus(t('正在加载…', 'Loading…'));
    getJson('/api/coverage/cells?' + q, pending.signal).then(function (body) {
      cells.clearLayers();
      selected = null;
      classesFrom(body.features);
      drawLegend();
      cells.addData(body);
      if (wantedCell) {
        cells.eachLayer(function (layer) {
          if (layer.feature.properties.cell === wantedCell) select(layer);
        });
      }
      el.dataset.cells = String(body.features.length);
      showUnlocated(body.unlocated || 0);
      setStatus(body.features.length + t(' 个网格 · H3 ', ' hexagons · H3 resolution ') + res + t(' 级', '') +
        (zoom >= POINT_ZOOM ? '' : t(' · 放大到街道级别显示社会组织', ' · zoom to street level to see organizations')));
    }).catch(function (e) {
      if (e.name !== 'AbortError') setStatus(t('无法加载网格：', 'Cannot load the hexagons: ') + e.message);
    });
    points.clearLayers();
    if (zoom >= POINT_ZOOM) loadPoints(pending.signal);
  }

  // Organizations without coordinates are in no hexagon: the note says how many the view
  // leaves out (by the county they belong to) and links to the list where they are located.
  function showUnlocated(n) {
    unlocatedNote.dataset.count = String(n);
    if (!n) {
      unlocatedNote.hidden = true;
      unlocatedNote.replaceChildren();
      return;
    }
    var q = new URLSearchParams({ list: 'locate' });
    var division = form.elements.division.value.trim();
    if (division) q.set('division', division);
    var link = text('a', t('待核实位置清单', 'the locations to verify'));
    link.href = '/tasks?' + q;
    unlocatedNote.replaceChildren(
      text('span', t('视野内另有 ', 'In view, ') + n + t(' 个社会组织没有经纬度，未计入网格（按所属旗县区的中心点计）：见',
        ' organizations have no coordinates and are in no hexagon (placed by their county\'s centre): see ')),
      link,
      text('span', t('。', '.')));
    unlocatedNote.hidden = false;
  }

  function loadPoints(signal) {
    var q = new URLSearchParams({ bbox: bboxOf(map.getBounds()), limit: '2000' });
    getJson('/ogc/collections/organizations/items?' + q, signal).then(function (body) {
      body.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        var p = f.properties;
        var marker = L.circleMarker([c[1], c[0]], {
          className: 'org-point', radius: 5, weight: 1, color: '#333',
          fillColor: COVERAGE_COLOURS[p.coverage] || '#999', fillOpacity: 0.9
        });
        // Leaflet takes a string as HTML: names go in as a text node, never as markup.
        marker.bindTooltip(text('span', p.name + ' (' + (COVERAGE[p.coverage] || p.coverage) + ')', 'tip'));
        marker.on('click', function () { window.location.href = '/orgs/' + f.id; });
        points.addLayer(marker);
        if (String(f.id) === wantedOrg) markOrg(marker, f);
      });
    }).catch(function () {});
  }

  // The organization a link pointed at: drawn larger in black, with a popup naming it.
  function markOrg(marker, f) {
    marker.setStyle({ radius: 9, weight: 3, color: '#000' });
    marker.bringToFront();
    var node = marker.getElement && marker.getElement();
    if (node) node.classList.add('selected');
    marker.bindPopup(text('div', null, 'org-popup'), { autoPan: false });
    var link = text('a', t('查看详情', 'Details'));
    link.href = '/orgs/' + f.id;
    marker.getPopup().getContent().append(text('strong', f.properties.name), text('br'),
      text('span', (COVERAGE[f.properties.coverage] || f.properties.coverage) + ' · '), link);
    marker.openPopup();
  }

  var CLUSTER_BELOW = 10;
  var CLUSTER_PX = 48;
  function clusterGroups(features) {
    var squares = {};
    features.forEach(function (f) {
      var c = f.geometry.coordinates[0];
      if (!c) return;
      var at = map.project([c[1], c[0]]).divideBy(CLUSTER_PX).floor();
      var key = at.x + ':' + at.y;
      var s = squares[key] || (squares[key] = { n: 0, lat: 0, lon: 0 });
      s.n += 1;
      s.lat += c[1];
      s.lon += c[0];
    });
    Object.keys(squares).forEach(function (key) {
      var s = squares[key];
      var marker = L.circleMarker([s.lat / s.n, s.lon / s.n], {
        pane: 'groups', className: 'joint-cluster', radius: Math.min(22, 6 + 3 * Math.sqrt(s.n)),
        color: GROUP_COLOUR, weight: 2, fillOpacity: 0.35
      });
      marker.bindTooltip(text('span', s.n + t(' 个拟建联合党支部（放大查看）', ' proposed joint branches (zoom in to see them)'), 'tip'));
      marker.on('click', function () { map.setView(marker.getLatLng(), Math.max(map.getZoom() + 2, CLUSTER_BELOW)); });
      groups.addLayer(marker);
    });
    el.dataset.groupClusters = String(Object.keys(squares).length);
  }

  function loadGroups(signal) {
    var q = new URLSearchParams();
    var division = form.elements.division.value.trim();
    if (division) q.set('division', division);
    getJson('/api/groups.geojson?' + q, signal).then(function (body) {
      groups.clearLayers();
      // Below city zoom a province's proposals (over a thousand) would be dots on dots:
      // they are counted per square of the screen instead, and drawn one by one nearer.
      if (map.getZoom() < CLUSTER_BELOW) {
        clusterGroups(body.features);
        return;
      }
      L.geoJSON(body, {
        pointToLayer: function (_, latlng) {
          return L.circleMarker(latlng, { pane: 'groups', className: 'joint-group', radius: 4, color: GROUP_COLOUR, fillOpacity: 0.8 });
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(text('span', t('拟建联合党支部 ', 'Proposed joint branch ') + f.properties.group_id + ': ' +
            f.properties.member_names, 'tip'));
        }
      }).addTo(groups);
    }).catch(function () {});
  }

  function showCell(p) {
    panel.replaceChildren(text('h2', t('网格 ', 'Hexagon ') + p.cell));
    panel.append(text('p', t('区划 ', 'Division ') + (p.division_name ? p.division_name + ' ' : '') + p.division_code + ' · H3 ' + p.res + t(' 级', '') +
      (p.gap ? t(' · 存在覆盖缺口', ' · a coverage gap') : ''), p.gap ? 'gap' : ''));
    panel.append(countsTable(p));
    if (p.res > 9) return;
    var list = text('ul', null, 'orgs');
    panel.append(text('h3', t('社会组织', 'Organizations')), list);
    getJson('/api/coverage/cells/' + p.cell + '/orgs').then(function (body) {
      body.items.forEach(function (o) {
        var li = text('li');
        var link = text('a', o.name);
        link.href = '/orgs/' + o.id;
        li.append(link, text('span', ' ' + (COVERAGE[o.coverage] || '') + ' · ' +
          (RECOMMENDATION[o.recommendation] || '') + t(' · 正式党员', ' · formal members ') + o.formal_members + t('名', ''), 'meta'));
        list.append(li);
      });
      if (body.total > body.items.length) {
        panel.append(text('p', t('另有 ', 'and ') + (body.total - body.items.length) + t(' 个未列出', ' more not listed')));
      }
    }).catch(function (e) {
      panel.append(text('p', t('无法加载社会组织：', 'Cannot load the organizations: ') + e.message));
    });
  }

  // The search box: the divisions (the register's, within the jurisdiction) and the
  // organizations whose name holds the text, listed in the panel. A division opens the map
  // on it, an organization marks it on the map (its page, when it has no point).
  var searchInput = document.getElementById('search');
  var searching = null;
  function search() {
    var wanted = searchInput.value.trim();
    if (!wanted) return;
    if (searching) searching.abort();
    searching = new AbortController();
    var limit = new URLSearchParams({ q: wanted, limit: '8' });
    Promise.all([
      getJson('/api/divisions/search?' + limit, searching.signal),
      getJson('/api/orgs?' + limit, searching.signal)
    ]).then(function (answers) {
      panel.replaceChildren(text('h2', t('查找“', 'Found for “') + wanted + t('”', '”')));
      var found = text('ul', null, 'search-results divisions');
      answers[0].items.forEach(function (d) {
        var q = shownQuery();
        q.set('division', d.code);
        var link = text('a', d.name);
        link.href = '/map?' + q;
        var li = text('li');
        li.append(link, text('span', ' ' + d.name_chain, 'meta'));
        found.append(li);
      });
      panel.append(text('h3', t('区划', 'Divisions')),
        answers[0].items.length ? found : text('p', t('未找到区划', 'No division'), 'meta'));
      var orgs = text('ul', null, 'search-results orgs');
      answers[1].items.forEach(function (o) {
        var link = text('a', o.name);
        var q = shownQuery();
        q.delete('mode');
        q.set('org', String(o.id));
        link.href = o.lon === null ? '/orgs/' + o.id : '/map?' + q;
        var li = text('li');
        li.append(link, text('span', ' ' + (o.division_name || o.division_code) +
          (o.lon === null ? t('（无经纬度）', ' (no coordinates)') : ''), 'meta'));
        orgs.append(li);
      });
      panel.append(text('h3', t('社会组织', 'Organizations')),
        answers[1].items.length ? orgs : text('p', t('未找到社会组织', 'No organization'), 'meta'));
      if (answers[1].total > answers[1].items.length) {
        var all = text('a', t('全部 ', 'All ') + answers[1].total + t(' 个', ''));
        all.href = '/orgs?' + new URLSearchParams({ q: wanted });
        var more = text('p');
        more.append(all);
        panel.append(more);
      }
    }).catch(function (e) {
      if (e.name !== 'AbortError') panel.replaceChildren(text('p', t('无法查找：', 'Cannot search: ') + e.message));
    });
  }
  var typing = null;
  searchInput.addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(search, 350);
  });

  // Another division is another area: the page opens on its extent, which the server
  // knows (the points of its organizations and the centres of its counties).
  function openDivision() {
    window.location.assign('/map?' + shownQuery());
  }

  map.on('moveend', function () {
    keepInUrl(false);
    refresh();
  });
  form.addEventListener('change', function (e) {
    if (e.target === searchInput) return;
    if (e.target.name === 'division') {
      openDivision();
      return;
    }
    if (e.target === rateSelect) {
      recolour();
      if (divisionMode() && !chosenDivision) listDivisions();
      keepInUrl(true);
      return;
    }
    if (e.target === modeSelect) {
      showMode();
      wantedCell = null;
      wantedOrg = null;
    }
    if (e.target.name === 'groups') {
      if (e.target.checked) map.addLayer(groups); else map.removeLayer(groups);
    }
    keepInUrl(true);
    refresh();
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (document.activeElement === searchInput) {
      clearTimeout(typing);
      search();
      return;
    }
    if (form.elements.division.value.trim() !== (new URLSearchParams(window.location.search).get('division') || '')) {
      openDivision();
      return;
    }
    keepInUrl(true);
    refresh();
  });
  // Back and forward: the page of that step, as its URL holds it.
  window.addEventListener('popstate', function () { window.location.reload(); });
  if (form.elements.groups.checked) map.addLayer(groups);
  showMode();
  keepCrumbs();
  drawLegend();
  initialView();
  // A view set before the map had a size may not end in a move: load it anyway.
  if (!pending) refresh();
}());
