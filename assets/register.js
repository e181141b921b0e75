// The registration form's helpers: the credit code checked while it is typed (the server
// checks it again), and the point picked on a small map or typed. No inline script (CSP).
(function () {
  'use strict';
  var EN = document.documentElement.lang === 'en';
  function t(zh, en) { return EN ? en : zh; }
  var ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  var WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  var ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

  // GB 32100 and GB 11714 (domain.md, Identifiers); null when valid, else what is wrong.
  function creditCodeProblem(code) {
    if (code.length !== 18) return t('应为18位，现为' + code.length + '位', 'it has ' + code.length + ' characters, not 18');
    for (var i = 0; i < 18; i++) {
      if (ALPHABET.indexOf(code[i]) < 0) {
        return t('第' + (i + 1) + '位字符“' + code[i] + '”不允许', 'character ' + (i + 1) + " '" + code[i] + "' is not allowed") +
          (code[i] !== code[i].toUpperCase() ? t('，请使用大写字母', ': use capitals') : t('（不使用 I、O、S、V、Z）', ' (I, O, S, V, Z are not used)'));
      }
    }
    var sum = 0;
    for (i = 0; i < 8; i++) {
      var c = code[8 + i];
      var v = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55;
      sum += ORG_WEIGHTS[i] * v;
    }
    var d = 11 - (sum % 11);
    var orgCheck = d === 10 ? 'X' : d === 11 ? '0' : String(d);
    if (code[16] !== orgCheck) return t('第17位（组织机构代码校验码）应为“' + orgCheck + '”', "character 17 (the organization code's check) should be '" + orgCheck + "'");
    sum = 0;
    for (i = 0; i < 17; i++) sum += WEIGHTS[i] * ALPHABET.indexOf(code[i]);
    var check = ALPHABET[(31 - (sum % 31)) % 31];
    if (code[17] !== check) return t('第18位（校验码）应为“' + check + '”', "character 18 (the check character) should be '" + check + "'");
    return null;
  }

  var codeInput = document.getElementById('f-credit_code');
  var codeStatus = document.getElementById('credit-code-check');
  if (codeInput && codeStatus) {
    var showCode = function () {
      var code = codeInput.value.trim();
      if (!code) { codeStatus.textContent = ''; codeStatus.className = 'hint'; return; }
      var problem = creditCodeProblem(code);
      codeStatus.textContent = problem ? t('代码有误：', 'Wrong code: ') + problem : t('校验通过', 'Check digits correct');
      codeStatus.className = problem ? 'hint error' : 'hint ok';
    };
    codeInput.addEventListener('input', showCode);
    showCode();
  }

  var mapBox = document.getElementById('pick-map');
  var lon = document.getElementById('f-lon');
  var lat = document.getElementById('f-lat');
  var crs = document.getElementById('f-crs');
  if (mapBox && lon && lat && window.L) {
    var map = L.map(mapBox, { minZoom: 3, maxZoom: 18, attributionControl: false });
    if (mapBox.dataset.tiles) L.tileLayer(mapBox.dataset.tiles, { maxZoom: 18 }).addTo(map);
    var b = mapBox.dataset.bounds.split(',').map(Number);
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    var marker = null;
    var place = function (latlng) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, { radius: 7, color: '#b22222', fillOpacity: 0.8 }).addTo(map);
    };
    var typed = function () {
      var x = Number(lon.value), y = Number(lat.value);
      if (lon.value && lat.value && isFinite(x) && isFinite(y)) place([y, x]);
    };
    map.on('click', function (e) {
      // Points picked here are WGS84, like the map.
      lon.value = e.latlng.lng.toFixed(6);
      lat.value = e.latlng.lat.toFixed(6);
      if (crs) crs.value = 'wgs84';
      place(e.latlng);
    });
    lon.addEventListener('change', typed);
    lat.addEventListener('change', typed);
    typed();
  }
}());

// The division: its names shown as the code is typed, and a cascading picker by name from
// the account's jurisdiction down (province, city, county, township, village).
(function () {
  'use strict';
  var EN = document.documentElement.lang === 'en';
  function t(zh, en) { return EN ? en : zh; }
  var input = document.getElementById('f-division_code');
  var shown = document.getElementById('division-name');
  var picker = document.getElementById('division-picker');
  if (!input || !shown || !picker || !window.fetch) return;
  var LEVELS = { 0: t('省级', 'province'), 2: t('地市级', 'city'), 4: t('县级（区、旗）', 'county'),
    6: t('乡镇（街道、苏木）', 'township'), 9: t('村（社区、嘎查）', 'village') };

  function lookup(parent) {
    return fetch('/api/divisions?parent=' + encodeURIComponent(parent), {
      credentials: 'same-origin', headers: { Accept: 'application/json' }
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    });
  }

  var typedAt = 0;
  function showName() {
    var code = input.value.trim();
    var asked = ++typedAt;
    if (!/^[0-9]{6}([0-9]{3}){0,2}$/.test(code)) { shown.textContent = ''; shown.className = 'hint'; return; }
    lookup(code).then(function (entry) {
      if (asked !== typedAt) return;
      if (entry.in_register) {
        shown.textContent = entry.name_chain;
        shown.className = 'hint ok';
      } else {
        shown.textContent = t('不在' + entry.register_year + '年统计用区划代码中，请核实（可以保存） ',
          'not in the ' + entry.register_year + ' register: verify it (it can be saved) ') + entry.name_chain;
        shown.className = 'hint warn';
      }
    }).catch(function () {});
  }

  // One select per level below `parent`; choosing a division fills the code (counties and
  // below: the code has 6, 9 or 12 digits) and opens the next level. `path` pre-selects.
  function level(parent, path) {
    return lookup(parent).then(function (entry) {
      if (!entry.items.length) return;
      var label = document.createElement('label');
      var select = document.createElement('select');
      select.dataset.parent = parent;
      label.append(document.createTextNode(LEVELS[parent.length] || ''), select);
      var none = document.createElement('option');
      none.value = '';
      none.textContent = t('（请选择）', '(choose)');
      select.append(none);
      entry.items.forEach(function (d) {
        var option = document.createElement('option');
        option.value = d.code;
        option.textContent = d.name;
        select.append(option);
      });
      picker.append(label);
      var next = path.find(function (p) { return p.length > parent.length; });
      if (next && entry.items.some(function (d) { return d.code === next; })) {
        select.value = next;
        return level(next, path);
      }
    });
  }

  picker.addEventListener('change', function (e) {
    var select = e.target;
    if (select.tagName !== 'SELECT') return;
    var label = select.parentNode;
    while (label.nextSibling) picker.removeChild(label.nextSibling);
    var code = select.value || select.dataset.parent;
    if (code.length >= 6) {
      input.value = code;
      showName();
    }
    if (select.value) level(select.value, []);
  });
  input.addEventListener('input', showName);

  var root = picker.dataset.root || '';
  var code = input.value.trim();
  var path = [];
  if (/^[0-9]{6}([0-9]{3}){0,2}$/.test(code)) {
    [2, 4, 6, 9, 12].forEach(function (n) {
      var digits = code.slice(0, n);
      if (n <= code.length && digits.length > root.length && !/^0+$/.test(code.slice(n - (n > 6 ? 3 : 2), n))) path.push(digits);
    });
  }
  level(root, path).catch(function () {});
}());
