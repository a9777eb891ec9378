// The journey map page: reads the figures from /v1/map (computed by the
// collector with parcours-core), draws the stages and touchpoints as HTML
// (keyboard and screen-reader friendly), and the emotion curve, funnel and
// paths with Apache ECharts (served by the collector). Filters live in the
// page's URL, so a filtered map can be shared.
(function () {
  'use strict';
  var body = document.body;
  var HOT_SPOT = Number(body.getAttribute('data-hot-spot')) || 0.2;
  var COLOURS = (body.getAttribute('data-colours') || '#f08080,#e5e5ea,#78c88c').split(',');
  var CARDS_SHOWN = 8;
  var form = document.getElementById('filters');
  var status = document.getElementById('status');
  var charts = {};
  var last = null;
  // The charting library (1 MB) loads while the figures are computed.
  var library = new Promise(function (resolve) {
    var script = document.createElement('script');
    script.src = '/map/charts.js';
    script.onload = script.onerror = resolve;
    document.head.appendChild(script);
  });

  document.documentElement.style.setProperty('--negative', COLOURS[0]);
  document.documentElement.style.setProperty('--positive', COLOURS[2]);
  document.getElementById('hot-share').textContent = Math.round(HOT_SPOT * 100) + ' %';

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // Filters <-> URL query. Dates from the form are days in UTC.
  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== '') params.set(key, String(value).trim());
    });
    return params;
  }
  // The compare selects offer the same choices as the view's, plus "same".
  Array.prototype.forEach.call(form.querySelectorAll('select[data-like]'), function (select) {
    var like = form.elements[select.getAttribute('data-like')];
    select.appendChild(el('option', { value: '', text: 'same' }));
    Array.prototype.forEach.call(like.options, function (option) {
      select.appendChild(el('option', { value: option.value || 'all', text: option.textContent }));
    });
  });
  function fillForm() {
    var params = new URLSearchParams(location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name) field.value = params.get(field.name) || '';
    });
    if (!form.elements.stages.value) form.elements.stages.value = body.getAttribute('data-stages');
  }

  function hex(c) { return parseInt(c, 16); }
  function mix(a, b, t) {
    var out = '#';
    for (var i = 1; i < 7; i += 2) {
      var v = Math.round(hex(a.substr(i, 2)) + (hex(b.substr(i, 2)) - hex(a.substr(i, 2))) * t);
      out += (v < 16 ? '0' : '') + v.toString(16);
    }
    return out;
  }
  // The same scale as the SVG export (colours given by the collector).
  function sentiment(emotion) {
    if (emotion === null || emotion === undefined) return COLOURS[1];
    var e = Math.max(-1, Math.min(1, emotion));
    return e < 0 ? mix(COLOURS[1], COLOURS[0], -e) : mix(COLOURS[1], COLOURS[2], e);
  }
  function frictionCount(place) {
    return Object.keys(place.friction).reduce(function (n, k) { return n + place.friction[k]; }, 0);
  }
  function isHot(place) {
    return place.sessions > 0 && frictionCount(place) / place.sessions >= HOT_SPOT;
  }
  function count(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function percent(v) { return v === null ? '–' : Math.round(v) + ' %'; }
  function duration(ms) {
    if (ms === null) return '–';
    if (ms < 60000) return Math.round(ms / 1000) + ' s';
    if (ms < 3600000) return Math.round(ms / 60000) + ' min';
    if (ms < 86400000) return (ms / 3600000).toFixed(1) + ' h';
    return (ms / 86400000).toFixed(1) + ' days';
  }
  function emotionWord(e) {
    if (e === null) return 'no emotion recorded';
    return (e > 0.15 ? 'positive' : e < -0.15 ? 'negative' : 'neutral') + ' (' + e.toFixed(2) + ')';
  }
  function scoreText(scores) {
    var parts = [];
    if (scores.csat !== null) parts.push('CSAT ' + Math.round(scores.csat) + ' % (' + scores.csatAnswers + ')');
    if (scores.cesMean !== null) parts.push('CES ' + scores.cesMean.toFixed(1) + ', ' + Math.round(scores.cesEasy) + ' % easy (' + scores.cesAnswers + ')');
    if (scores.nps !== null) parts.push('NPS ' + (scores.nps > 0 ? '+' : '') + Math.round(scores.nps) + ' (' + scores.npsAnswers + ')');
    return parts.join(' · ');
  }

  // The key figures of the totals and the trends: [key in /v1/map's kpis, name, how it reads].
  function signed(v) { return v === null ? '–' : (v > 0 ? '+' : '') + Math.round(v); }
  function oneDecimal(v) { return v === null ? '–' : v.toFixed(1); }
  var KPIS = [
    ['sessions', 'Sessions', String],
    ['conversionRate', 'Conversion rate', percent],
    ['csat', 'CSAT', percent],
    ['cesMean', 'CES (mean, 1–7)', oneDecimal],
    ['nps', 'NPS', signed],
    ['frictionShare', 'Sessions with friction', percent],
    ['bounceRate', 'Bounce rate', percent],
  ];

  /** Free-text answers by sentiment, e.g. "Comments: 2 positive · 1 negative". */
  function commentText(comments) {
    var parts = ['positive', 'neutral', 'negative'].filter(function (k) { return comments && comments[k]; })
      .map(function (k) { return comments[k] + ' ' + k; });
    return parts.length ? 'Comments: ' + parts.join(' · ') : '';
  }

  function drawTotals(data) {
    var totals = document.getElementById('totals');
    totals.textContent = '';
    [['Sessions', data.sessions], ['Visitors', data.visitors], ['Converted sessions', data.conversions]]
      .concat(KPIS.slice(1).map(function (k) { return [k[1], k[2](data.kpis[k[0]])]; }))
      .forEach(function (pair) {
        totals.appendChild(el('div', {}, [el('dt', { text: pair[0] }), el('dd', { text: String(pair[1]) })]));
      });
  }

  // The Core Web Vitals' 75th percentile, in words and Google's rating (the
  // colour repeats the word): [key in a touchpoint's vitals, name, how it reads].
  var VITALS = [
    ['lcpMs', 'LCP', function (v) { return (v / 1000).toFixed(1) + ' s'; }],
    ['inpMs', 'INP', function (v) { return v + ' ms'; }],
    ['cls', 'CLS', String],
  ];
  function vitalBadges(vitals) {
    var badges = VITALS.filter(function (k) { return vitals && vitals[k[0]]; }).map(function (k) {
      var v = vitals[k[0]];
      return el('span', { class: 'vital ' + v.rating, text: k[1] + ' ' + k[2](v.p75) + ' ' + v.rating.replace('_', ' ') });
    });
    return badges.length ? el('div', { class: 'facts' }, [el('span', { text: 'p75: ' })].concat(badges)) : null;
  }

  function card(t, busiest) {
    var hot = isHot(t);
    var scores = scoreText(t.scores);
    var frictions = Object.keys(t.friction).map(function (k) { return k.replace(/_/g, ' ') + ' ×' + t.friction[k]; }).join(', ');
    // Everything the card shows is its accessible name: colour is never the only sign.
    var button = el('button', {
      type: 'button', class: 'card' + (hot ? ' hot' : ''), 'data-touchpoint': t.name, 'aria-haspopup': 'dialog',
    }, [
      hot ? el('div', { class: 'flag', text: '⚠ Moment of truth' }) : null,
      el('div', { class: 'name', text: t.name }),
      el('div', { class: 'facts', text: count(t.sessions, 'session') + ' · ' + count(t.visitors, 'visitor') + ' · ' + t.exits + ' left here' }),
      el('div', { class: 'facts', text: 'Emotion ' + emotionWord(t.emotion) }),
      scores ? el('div', { class: 'facts', text: scores }) : null,
      frictions ? el('div', { class: 'facts', text: 'Friction: ' + frictions }) : null,
      commentText(t.comments) ? el('div', { class: 'facts', text: commentText(t.comments) }) : null,
      vitalBadges(t.vitals),
    ]);
    button.style.background = sentiment(t.emotion);
    button.style.minHeight = Math.round(48 + 72 * t.sessions / busiest) + 'px';
    button.addEventListener('click', function () { drill(t.name); });
    return button;
  }

  /** What the map leaves out (the collector's bounds), said in words. */
  function drawBounds(data) {
    var parts = [];
    if (data.touchpointsNotShown) parts.push('The ' + data.touchpoints.length + ' busiest touchpoints are shown; ' + count(data.touchpointsNotShown, 'more touchpoint') + ' with fewer sessions ' + (data.touchpointsNotShown === 1 ? 'is' : 'are') + ' in the CSV export.');
    if (data.touchpoints.some(function (t) { return t.name === '(other touchpoints)'; })) parts.push('“(other touchpoints)” counts the steps of journeys past 100 distinct touchpoints, and touchpoints met after the 2,000 the map keeps.');
    if (data.pathsNotKept) parts.push(count(data.pathsNotKept, 'session') + ' took a path past the 10,000 the map keeps and ' + (data.pathsNotKept === 1 ? 'is' : 'are') + ' not in the paths.');
    var note = document.getElementById('map-note');
    note.textContent = parts.join(' ');
    note.hidden = !parts.length;
  }

  function drawMap(data) {
    drawBounds(data);
    var map = document.getElementById('map');
    map.textContent = '';
    var busiest = Math.max(1, Math.max.apply(null, data.touchpoints.map(function (t) { return t.sessions; }).concat([1])));
    var names = data.stages.map(function (s) { return s.name; });
    var columns = data.stages.slice();
    var outside = data.touchpoints.filter(function (t) { return names.indexOf(t.stage) < 0; });
    if (outside.length) {
      columns.push({ name: 'outside the stages', sessions: null, outside: true, friction: {}, scores: {}, emotion: null });
    }
    columns.forEach(function (stage, i) {
      var head = el('div', { class: 'stage-head' }, [el('h3', { text: stage.name })]);
      if (!stage.outside) {
        head.appendChild(el('p', { text: count(stage.sessions, 'session') + ' · ' + count(stage.visitors, 'visitor') }));
        head.appendChild(el('p', { text: stage.exits + ' went no further' }));
        head.appendChild(el('p', { text: 'Emotion ' + emotionWord(stage.emotion) }));
        var s = scoreText(stage.scores);
        if (s) head.appendChild(el('p', { text: s }));
        if (commentText(stage.comments)) head.appendChild(el('p', { text: commentText(stage.comments) }));
      }
      var column = el('section', { class: 'stage', 'aria-label': 'Stage ' + stage.name }, [head]);
      var cards = (stage.outside ? outside : data.touchpoints.filter(function (t) { return t.stage === stage.name; }))
        .sort(function (a, b) { return b.sessions - a.sessions || (a.name < b.name ? -1 : 1); });
      var list = el('div', { class: 'cards' });
      cards.forEach(function (t, n) {
        var c = card(t, busiest);
        if (n >= CARDS_SHOWN) c.hidden = true;
        list.appendChild(c);
      });
      column.appendChild(list);
      if (cards.length > CARDS_SHOWN) {
        var more = el('button', { type: 'button', class: 'more', text: 'Show ' + (cards.length - CARDS_SHOWN) + ' more' });
        more.addEventListener('click', function () {
          Array.prototype.forEach.call(list.children, function (c) { c.hidden = false; });
          more.remove();
        });
        column.appendChild(more);
      }
      map.appendChild(column);
      var step = data.steps[i];
      if (step && i < data.stages.length - 1) {
        var text = percent(step.conversion) + ' of ' + count(step.reached, 'session') + ' went on to ' + step.to +
          (step.medianMs !== null ? ', in a median ' + duration(step.medianMs) : '');
        map.appendChild(el('div', { class: 'arrow', role: 'img', 'aria-label': text }, [
          el('span', { class: 'line', text: '→' }),
          el('span', { class: 'rate', text: percent(step.conversion) }),
          el('span', { text: duration(step.medianMs) }),
        ]));
      }
    });
  }

  /** Draws `option` in #id, or says `notice` there instead. */
  function chart(id, option, description, notice) {
    var node = document.getElementById(id);
    node.setAttribute('role', 'img');
    node.setAttribute('aria-label', description);
    if (!window.echarts) notice = window.PARCOURS_NO_CHARTS || 'The charting library did not load.';
    if (notice) {
      if (charts[id]) charts[id].dispose();
      delete charts[id];
      node.textContent = '';
      node.appendChild(el('p', { class: 'notice', text: notice }));
      return;
    }
    if (!charts[id]) charts[id] = window.echarts.init(node, null, { renderer: 'svg' });
    option.animation = false;
    charts[id].setOption(option, true);
  }

  /** Where the journeys lose most, biggest loss first. */
  function drawOpportunities(data) {
    var list = document.getElementById('opportunities');
    list.textContent = '';
    data.opportunities.forEach(function (o) {
      list.appendChild(el('li', {}, [
        el('span', { text: o.text.charAt(0).toUpperCase() + o.text.slice(1) + '.' }),
        el('span', { class: 'evidence', text: count(o.sessionsWith, 'session') + ' with it against ' + count(o.sessionsWithout, 'session') + ' without; about ' +
          Math.round(o.lost) + (o.outcome === 'conversion' ? ' conversions' : ' sessions') + ' lost in this period.' }),
      ]));
    });
    var none = document.getElementById('no-opportunity');
    none.hidden = data.opportunities.length > 0;
    list.hidden = !none.hidden;
  }

  /** The view against what it is compared with: every figure, its difference, and whether to trust it. */
  function drawComparison(data) {
    var section = document.getElementById('comparison');
    var c = data.comparison;
    section.hidden = !c;
    if (!c) return;
    var params = query();
    var asked = [];
    ['compareFrom', 'compareTo', 'compareChannel', 'compareDevice', 'compareVisitor', 'compareVariant'].forEach(function (key) {
      if (params.get(key)) asked.push(key.replace('compare', '').toLowerCase() + ' ' + params.get(key));
    });
    document.getElementById('comparison-note').textContent = 'This view (' + count(data.sessions, 'session') + ') against the same filters with ' +
      asked.join(', ') + ' (' + count(c.kpis.sessions, 'session') + '); n is the sessions or answers behind a figure. A difference is marked trusted when it is larger than chance explains at 95 % (a two-proportion test for rates, an interval for means) with at least 30 on each side.';
    var byKey = {};
    KPIS.forEach(function (k) { byKey[k[0]] = k; });
    var points = function (d, unit) {
      if (d.delta === null) return '–';
      var v = unit === 'mean' ? Number(d.delta.toFixed(1)) : Math.round(d.delta);
      return (v > 0 ? '+' : '') + (v === 0 ? 0 : v) + (unit === 'rate' ? ' pts' : '');
    };
    var trust = function (d) {
      if (d.trusted === null) return '';
      return d.trusted ? 'yes' : 'no: ' + d.note;
    };
    var row = function (name, d, show, unit) {
      return el('tr', {}, [
        el('th', { scope: 'row', text: name }),
        el('td', { text: show(d.a) + (d.trusted === null ? '' : ' (' + d.aCount + ')') }),
        el('td', { text: show(d.b) + (d.trusted === null ? '' : ' (' + d.bCount + ')') }),
        el('td', { text: points(d, unit), class: d.trusted ? 'trusted' : '' }),
        el('td', { text: trust(d) }),
      ]);
    };
    var units = { sessions: 'count', cesMean: 'mean', nps: 'count' };
    var rows = c.figures.map(function (d) {
      var k = byKey[d.figure];
      return row(k[1], d, k[2], units[d.figure] || 'rate');
    });
    c.stages.forEach(function (s, i) {
      rows.push(row('Reached at least ' + s.stage, s.reachedAtLeast, percent, 'rate'));
      if (s.movedOn && i + 1 < c.stages.length) rows.push(row(s.stage + ' → ' + c.stages[i + 1].stage, s.movedOn, percent, 'rate'));
    });
    var head = el('tr', {}, ['Figure', 'This view (n)', 'Compared with (n)', 'Difference', 'Trusted?'].map(function (h) { return el('th', { scope: 'col', text: h }); }));
    var table = document.getElementById('comparison-table');
    table.textContent = '';
    table.appendChild(el('table', {}, [el('caption', { class: 'visually-hidden', text: 'This view against what it is compared with' }), el('thead', {}, [head]), el('tbody', {}, rows)]));
  }

  /** Each key figure per day, week or month: a small chart (and its words), and a table of them all. */
  function drawTrends(data) {
    var trend = data.trend;
    var points = trend.points;
    var label = function (p) { return p.start + (trend.period === 'day' ? '' : ' (' + trend.period + ')'); };
    document.getElementById('trend-note').textContent = points.length
      ? 'Per ' + trend.period + ' of the sessions\' start (UTC; weeks from Monday), ' + points[0].start + ' to ' + points[points.length - 1].start + '.' +
        (trend.sessionsNotInTrend ? ' ' + count(trend.sessionsNotInTrend, 'session') + ' dated past the 3,660 days the trends keep ' + (trend.sessionsNotInTrend === 1 ? 'is' : 'are') + ' not in them.' : '')
      : 'No session in this period.';
    var box = document.getElementById('trends');
    box.textContent = '';
    KPIS.forEach(function (k) {
      var id = 'trend-' + k[0];
      var values = points.map(function (p) { return p[k[0]]; });
      box.appendChild(el('figure', { class: 'trend' }, [
        el('h3', { text: k[1] }),
        el('div', { class: 'now', text: k[2](data.kpis[k[0]]) + (k[0] === 'sessions' ? '' : ' overall') }),
        el('div', { id: id, class: 'spark' }),
      ]));
      chart(id, {
        grid: { left: 34, right: 8, top: 8, bottom: 20 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: points.map(function (p) { return p.start; }), axisLabel: { fontSize: 9 } },
        yAxis: { type: 'value', scale: k[0] !== 'sessions', axisLabel: { fontSize: 9 } },
        series: [{ type: 'line', data: values, connectNulls: true, symbolSize: 5, itemStyle: { color: '#0b57d0' }, areaStyle: k[0] === 'sessions' ? { opacity: 0.15 } : undefined }],
      }, k[1] + ' per ' + trend.period + ': ' + points.map(function (p, i) { return label(p) + ' ' + k[2](values[i]); }).join(', '));
    });
    var head = el('tr', {}, ['Period from'].concat(KPIS.map(function (k) { return k[1]; })).map(function (h) { return el('th', { scope: 'col', text: h }); }));
    var rows = points.map(function (p) {
      return el('tr', {}, [el('th', { scope: 'row', text: label(p) })].concat(KPIS.map(function (k) { return el('td', { text: k[2](p[k[0]]) }); })));
    });
    var table = document.getElementById('trend-table');
    table.textContent = '';
    table.appendChild(el('table', {}, [el('caption', { class: 'visually-hidden', text: 'Key figures per ' + trend.period }), el('thead', {}, [head]), el('tbody', {}, rows)]));
  }

  function drawCharts(data) {
    drawTrends(data);
    var names = data.stages.map(function (s) { return s.name; });
    var emotions = data.stages.map(function (s) { return s.emotion; });
    chart('curve', {
      grid: { left: 50, right: 20, top: 20, bottom: 30 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: names },
      yAxis: { type: 'value', min: -1, max: 1, name: 'emotion' },
      series: [{
        type: 'line', data: emotions, connectNulls: true, smooth: true, symbolSize: 10,
        lineStyle: { width: 3, color: '#0a84ff' }, itemStyle: { color: '#0a84ff' },
        markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0 }], lineStyle: { type: 'dashed', color: '#999' } },
      }],
    }, 'Emotion by stage, from -1 to 1: ' + names.map(function (n, i) {
      return n + ' ' + (emotions[i] === null ? 'none' : emotions[i]);
    }).join(', '));

    // Sessions that got at least this far (their furthest stage is this one
    // or later), so it never widens; each with the share of the stage before.
    var kept = function (f) { return f.keptPercent === null ? '' : ' (' + Math.round(f.keptPercent) + '% of the stage before)'; };
    chart('funnel', {
      tooltip: { trigger: 'item', formatter: '{b}: {c} sessions reached at least this stage' },
      series: [{
        type: 'funnel', sort: 'none', left: '5%', width: '60%', gap: 2, minSize: '8%',
        label: { formatter: function (p) { return p.name + ': ' + p.value + kept(data.funnel[p.dataIndex]); } },
        data: data.funnel.map(function (f) { return { name: f.stage, value: f.sessions }; }),
      }],
    }, 'Sessions that reached at least each stage: ' + data.funnel.map(function (f) { return f.stage + ' ' + f.sessions + kept(f); }).join(', '));

    drawPaths(data);
  }

  // Paths as a Sankey: a node per (position, touchpoint), so loops stay
  // acyclic. Labels never overlap: nodes sit in columns by position
  // (nodeAlign left), each column's labels are cut to the room before the
  // next column, and nodes are at least a label's height apart. A phone
  // shows the first 3 steps, a wider screen 6; the list below has them all.
  var NODE_WIDTH = 14;
  var LABEL_GAP = 6;
  function drawPaths(data) {
    var width = document.getElementById('paths').clientWidth || 600;
    var depth = width < 600 ? 3 : 6;
    var nodes = {};
    var links = {};
    var columns = 1;
    data.paths.forEach(function (p) {
      var path = p.path.slice(0, depth);
      columns = Math.max(columns, path.length);
      path.forEach(function (name, i) { nodes[(i + 1) + '. ' + name] = true; });
      for (var i = 0; i + 1 < path.length; i++) {
        var key = (i + 1) + '. ' + path[i] + '\u0000' + (i + 2) + '. ' + path[i + 1];
        links[key] = (links[key] || 0) + p.sessions;
      }
    });
    // Every column gets the same room: its node, then its labels (the last
    // column's labels in the right margin).
    var left = 8;
    var spacing = (width - left - 8 + LABEL_GAP) / columns;
    var labelWidth = Math.max(30, Math.floor(spacing - NODE_WIDTH - 2 * LABEL_GAP));
    chart('paths', {
      tooltip: { trigger: 'item' },
      series: [{
        type: 'sankey', nodeAlign: 'left', left: left, right: Math.ceil(labelWidth + LABEL_GAP + 8), top: 8, bottom: 8,
        nodeWidth: NODE_WIDTH, nodeGap: 16, emphasis: { focus: 'adjacency' },
        data: Object.keys(nodes).map(function (name) { return { name: name }; }),
        links: Object.keys(links).map(function (key) {
          var ends = key.split('\u0000');
          return { source: ends[0], target: ends[1], value: links[key] };
        }),
        lineStyle: { color: 'source', opacity: 0.35 },
        label: { formatter: function (p) { return p.name.replace(/^\d+\. /, ''); }, fontSize: 11, lineHeight: 13, position: 'right', distance: LABEL_GAP, width: labelWidth, overflow: 'truncate', ellipsis: '…' },
      }],
    }, 'The ' + data.paths.length + ' most common paths through the touchpoints, listed below.',
    Object.keys(links).length ? '' : 'No path here goes from one touchpoint to another: each is listed below.');
    var list = document.getElementById('path-list');
    list.textContent = '';
    data.paths.forEach(function (p) {
      list.appendChild(el('li', { text: p.path.join(' → ') + ' (' + count(p.sessions, 'session') + ')' }));
    });
  }

  function drawExports(params) {
    var q = params.toString();
    var suffix = q ? '?' + q : '';
    document.getElementById('export-json').href = '/v1/map' + suffix;
    document.getElementById('export-csv').href = '/v1/map.csv' + suffix;
    document.getElementById('export-svg').href = '/v1/map.svg' + suffix;
  }

  function load() {
    var params = query();
    history.replaceState(null, '', params.toString() ? '?' + params : location.pathname);
    drawExports(params);
    status.textContent = '';
    var started = performance.now();
    return fetch('/v1/map?' + params, { credentials: 'same-origin' }).then(function (response) {
      var timing = response.headers.get('server-timing') || '';
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error ? data.error.message : 'HTTP ' + response.status);
        last = data;
        if (data.sessions === 0) {
          status.textContent = params.toString()
            ? 'No journey matches these filters: try a wider period or fewer filters.'
            : 'No journey yet: journeys appear here once visitors\' sessions end (open the demo shop and click around).';
        }
        drawTotals(data);
        drawOpportunities(data);
        drawComparison(data);
        drawMap(data);
        return library.then(function () {
          drawCharts(data);
          var server = /dur=([\d.]+)/.exec(timing);
          var how = /desc="[^,"]*, ([^"]*)"/.exec(timing);
          document.getElementById('timing').textContent = count(data.sessions, 'session') + ' ' + (how ? how[1] : 'aggregated') +
            (server ? ' (' + Math.round(Number(server[1])) + ' ms)' : '') + ', drawn in ' +
            Math.round(performance.now() - started) + ' ms.';
          body.setAttribute('data-ready', 'true');
        });
      });
    }).catch(function (error) {
      status.textContent = 'The map could not be loaded: ' + error.message;
      body.setAttribute('data-ready', 'error');
    });
  }

  // Drill-down: the latest sessions through a touchpoint, with their answers.
  var dialog = document.getElementById('drill');
  function drill(touchpoint) {
    var params = query();
    params.set('touchpoint', touchpoint);
    params.set('limit', '50');
    document.getElementById('drill-title').textContent = 'Sessions through ' + touchpoint;
    var summary = document.getElementById('drill-summary');
    var target = document.getElementById('drill-body');
    summary.textContent = 'Loading…';
    target.textContent = '';
    if (!dialog.open) dialog.showModal();
    fetch('/v1/map/sessions?' + params, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.error) throw new Error(data.error.message);
      summary.textContent = count(data.matched, 'session') + ' passed through it' +
        (data.matched > data.sessions.length ? '; the latest ' + data.sessions.length + ' are listed' : '') + '.';
      var head = el('tr', {}, ['Started (UTC)', 'Channel', 'Device', 'Furthest stage', 'Emotion there', 'Friction there', 'Answers there', 'Session']
        .map(function (h) { return el('th', { scope: 'col', text: h }); }));
      var rows = data.sessions.map(function (s) {
        var answers = s.answers.map(function (a) {
          if (a.text !== undefined) return '“' + a.text + '” (' + a.sentiment + ')';
          return a.questionType.toUpperCase() + ' ' + a.value + (a.variant ? ' (variant ' + a.variant + ')' : '');
        }).join(', ');
        var link = el('a', { href: '/sessions/' + encodeURIComponent(s.sessionId), text: 'events' });
        return el('tr', {}, [
          el('td', { text: new Date(s.startedAt).toISOString().replace('T', ' ').slice(0, 16) }),
          el('td', { text: s.channel }), el('td', { text: s.device }),
          el('td', { text: s.furthestStage || '' }), el('td', { text: s.emotion }),
          el('td', { text: s.friction.join(', ') }), el('td', { text: answers }),
          el('td', {}, [link]),
        ]);
      });
      target.appendChild(el('table', {}, [el('thead', {}, [head]), el('tbody', {}, rows)]));
    }).catch(function (error) {
      summary.textContent = 'The sessions could not be loaded: ' + error.message;
    });
  }
  document.getElementById('drill-close').addEventListener('click', function () { dialog.close(); });

  // The map as a PNG: the SVG export, drawn on a canvas.
  document.getElementById('export-png').addEventListener('click', function () {
    fetch(document.getElementById('export-svg').href, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (svg) {
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement('canvas');
        canvas.width = image.width * 2;
        canvas.height = image.height * 2;
        var context = canvas.getContext('2d');
        context.scale(2, 2);
        context.drawImage(image, 0, 0);
        canvas.toBlob(function (blob) {
          var a = el('a', { href: URL.createObjectURL(blob), download: 'journey-map.png' });
          document.body.appendChild(a);
          a.click();
          a.remove();
        }, 'image/png');
      };
      image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
    });
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    load();
  });
  document.getElementById('reset').addEventListener('click', function (event) {
    event.preventDefault();
    Array.prototype.forEach.call(form.elements, function (f) { if (f.name) f.value = ''; });
    form.elements.stages.value = body.getAttribute('data-stages');
    load();
  });
  var resizing = null;
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    // The paths' labels are fitted to the width: fitted again.
    clearTimeout(resizing);
    resizing = setTimeout(function () { if (last && window.echarts) drawPaths(last); }, 150);
  });
  fillForm();
  load();
  window.parcoursMap = { reload: load, last: function () { return last; } };
})();
