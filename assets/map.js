// The coverage map: hexagons of the visible area from /api/coverage/cells at a resolution
// chosen from the zoom, coloured by the rate chosen; a panel with a hexagon's counts and
// organizations; organizations as points at street zoom. No inline script (CSP), and user
// data only ever reaches the page as text.
(function () {
  'use strict';

  var RATES = {
    work_coverage_rate: '工作覆盖率',
    org_coverage_rate: '组织覆盖率',
    own_organization_rate: '单独组建率'
  };
  var COVERAGE = { own: '单独组建', joint: '联合组建', instructor: '派驻指导员', uncovered: '未覆盖' };
  var COVERAGE_COLOURS = { own: '#1a9850', joint: '#66bd63', instructor: '#fdae61', uncovered: '#d73027' };
  var RECOMMENDATION = {
    own_committee: '单独建立党委',
    own_general_branch: '单独建立党总支',
    own_branch_committee: '单独建立党支部（设支委会）',
    own_branch: '单独建立党支部',
    transfer_relations: '转接组织关系后单独建支部',
    industry_joint: '纳入行业党组织',
    regional_joint: '组建区域联合党支部',
    instructor: '选派党建工作指导员'
  };
  // Rate classes: lower bound and colour, from red (low) to blue (full).
  var CLASSES = [
    [0.95, '#2166ac'], [0.8, '#67a9cf'], [0.6, '#d1e5f0'],
    [0.4, '#fddbc7'], [0.2, '#ef8a62'], [0, '#b2182b']
  ];
  var POINT_ZOOM = 14;

  var el = document.getElementById('map');
  var form = document.getElementById('filters');
  var panel = document.getElementById('panel');
  var statusBox = document.getElementById('status');
  var legendBox = document.getElementById('legend');
  var rateSelect = document.getElementById('rate');

  var map = L.map(el, { zoomControl: true, minZoom: 3, maxZoom: 18 });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);
  }
  var b = el.dataset.bounds.split(',').map(Number);
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [10, 10] });

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

  function drawLegend() {
    legendBox.replaceChildren(text('strong', RATES[rateSelect.value]));
    var bounds = [1, 0.95, 0.8, 0.6, 0.4, 0.2, 0];
    CLASSES.forEach(function (c, i) {
      var row = text('span', null, 'legend-row');
      var swatch = text('i');
      swatch.style.background = c[1];
      row.append(swatch, text('span', percent(bounds[i + 1]).replace('.0', '') + ' – ' + percent(bounds[i]).replace('.0', '')));
      legendBox.append(row);
    });
  }

  function cellStyle(feature) {
    var rate = feature.properties[rateSelect.value];
    return { className: 'hexagon', color: '#555', weight: 0.6, fillColor: colour(rate), fillOpacity: 0.65 };
  }

  var selected = null;
  var cells = L.geoJSON(null, {
    style: cellStyle,
    onEachFeature: function (feature, layer) {
      layer.on('click', function () {
        if (selected) cells.resetStyle(selected);
        selected = layer;
        layer.setStyle({ weight: 3, color: '#000' });
        showCell(feature.properties);
      });
    }
  }).addTo(map);
  var points = L.layerGroup().addTo(map);
  var groups = L.layerGroup();

  function filters() {
    var q = new URLSearchParams();
    ['kind', 'coverage', 'industry', 'division'].forEach(function (name) {
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

  var pending = null;
  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    var zoom = map.getZoom();
    var res = resolutionFor(zoom);
    var q = filters();
    q.set('res', res);
    q.set('bbox', bboxOf(map.getBounds()));
    setStatus('正在加载…');
    getJson('/api/coverage/cells?' + q, pending.signal).then(function (body) {
      cells.clearLayers();
      selected = null;
      cells.addData(body);
      el.dataset.cells = String(body.features.length);
      setStatus(body.features.length + ' 个网格 · H3 ' + res + ' 级' +
        (zoom >= POINT_ZOOM ? '' : ' · 放大到街道级别显示社会组织'));
    }).catch(function (e) {
      if (e.name !== 'AbortError') setStatus('无法加载网格：' + e.message);
    });
    points.clearLayers();
    if (zoom >= POINT_ZOOM) loadPoints(pending.signal);
    if (map.hasLayer(groups)) loadGroups(pending.signal);
  }

  function loadPoints(signal) {
    var q = new URLSearchParams({ bbox: bboxOf(map.getBounds()), limit: '2000' });
    getJson('/ogc/collections/organizations/items?' + q, signal).then(function (body) {
      body.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        var p = f.properties;
        var marker = L.circleMarker([c[1], c[0]], {
          radius: 5, weight: 1, color: '#333',
          fillColor: COVERAGE_COLOURS[p.coverage] || '#999', fillOpacity: 0.9
        });
        marker.bindTooltip(p.name + '（' + (COVERAGE[p.coverage] || p.coverage) + '）');
        points.addLayer(marker);
      });
    }).catch(function () {});
  }

  function loadGroups(signal) {
    var q = new URLSearchParams();
    var division = form.elements.division.value.trim();
    if (division) q.set('division', division);
    getJson('/api/groups.geojson?' + q, signal).then(function (body) {
      groups.clearLayers();
      L.geoJSON(body, {
        pointToLayer: function (_, latlng) {
          return L.circleMarker(latlng, { radius: 4, color: '#6a3d9a', fillOpacity: 0.8 });
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip('拟建联合党支部 ' + f.properties.group_id + '：' +
            f.properties.member_names.join('、'));
        }
      }).addTo(groups);
    }).catch(function () {});
  }

  function showCell(p) {
    panel.replaceChildren(text('h2', '网格 ' + p.cell));
    panel.append(text('p', '区划 ' + p.division_code + ' · H3 ' + p.res + ' 级' + (p.gap ? ' · 存在覆盖缺口' : ''), p.gap ? 'gap' : ''));
    var table = text('table', null, 'counts');
    [
      ['社会组织', p.total], ['单独组建', p.own], ['联合组建', p.joint],
      ['派驻指导员', p.instructor], ['未覆盖', p.uncovered], ['应建未建', p.should_build_not_built],
      ['单独组建率', percent(p.own_organization_rate)], ['组织覆盖率', percent(p.org_coverage_rate)],
      ['工作覆盖率', percent(p.work_coverage_rate)], ['需新建党组织', p.branches_to_found],
      ['拟建联合党支部', p.joint_groups_proposed], ['需选派指导员', p.instructors_needed]
    ].forEach(function (row) {
      var tr = text('tr');
      tr.append(text('th', row[0]), text('td', String(row[1])));
      table.append(tr);
    });
    panel.append(table);
    if (p.res > 9) return;
    var list = text('ul', null, 'orgs');
    panel.append(text('h3', '社会组织'), list);
    getJson('/api/coverage/cells/' + p.cell + '/orgs').then(function (body) {
      body.items.forEach(function (o) {
        var li = text('li');
        var link = text('a', o.name);
        link.href = '/api/orgs/' + o.id;
        li.append(link, text('span', ' ' + (COVERAGE[o.coverage] || '') + ' · ' +
          (RECOMMENDATION[o.recommendation] || '') + ' · 正式党员' + o.formal_members + '名', 'meta'));
        list.append(li);
      });
      if (body.total > body.items.length) {
        panel.append(text('p', '另有 ' + (body.total - body.items.length) + ' 个未列出'));
      }
    }).catch(function (e) {
      panel.append(text('p', '无法加载社会组织：' + e.message));
    });
  }

  map.on('moveend', refresh);
  form.addEventListener('change', function (e) {
    if (e.target === rateSelect) {
      cells.setStyle(cellStyle);
      drawLegend();
      return;
    }
    if (e.target.name === 'groups') {
      if (e.target.checked) map.addLayer(groups); else map.removeLayer(groups);
    }
    refresh();
  });
  form.addEventListener('submit', function (e) { e.preventDefault(); refresh(); });
  drawLegend();
  refresh();
}());
