// Cobble's operator dashboard: reads the management listener's /dashboard/api/* (same origin) and
// draws the plots as inline SVG elements. No library and no inline script or style: the page's
// Content-Security-Policy allows neither. Every time from the API is in seconds since the epoch.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const TOKEN_KEY = 'cobble-management-token';
const REFRESH_MS = 15000;
const MAX_DOTS = 240;  // beyond this many points with events, a plot shows lines only

const state = { window: location.hash === '#30d' ? '30d' : '24h', data: null, loading: false, loads: 0 };

class TokenNeeded extends Error {}

function element(tag, attributes = {}, text = undefined) {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgElement(tag, attributes = {}, text = undefined) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, String(value));
  if (text !== undefined) e.textContent = text;
  return e;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const secondsFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
const fromEpoch = (seconds) => new Date(seconds * 1000);
const yearFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

// A time as a table shows it: day and time, or the date with its year when that is not `now`'s.
function when(seconds, now) {
  const sameYear = fromEpoch(seconds).getFullYear() === fromEpoch(now).getFullYear();
  return (sameYear ? dateTimeFormat : yearFormat).format(fromEpoch(seconds));
}

// How long until `seconds` from `now`, in its largest units: "45 s", "3 h 20 min", "12 d", "2.0 y".
function until(seconds, now) {
  const s = Math.max(0, Math.round(seconds - now));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s < 365 * 86400) return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  return `${(s / (365.25 * 86400)).toFixed(1)} y`;
}

function number(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1).replace(/\.0$/, '')}M`;
  if (value >= 1e4) return `${Math.round(value / 1e3)}k`;
  return String(Math.round(value * 10) / 10);
}

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
  if (response.status === 401) throw new TokenNeeded(token ? 'That token was refused.' : '');
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new Error(`${path} answered HTTP ${response.status}`);
  }
  if (!response.ok) throw new Error(body.detail || `${path} answered HTTP ${response.status}`);
  return body;
}

// The smallest of 1, 2, 4, 5 × 10^n at or above `max`: the top of a plot's y axis.
function niceTop(max) {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const f of [1, 2, 4, 5, 10]) if (f * magnitude >= max) return f * magnitude;
  return 10 * magnitude;
}

// Times for the x axis' labels: whole hours (local time) under a day apart, else local midnights.
function timeTicks(grid, plotWidth) {
  const span = grid.bucketSeconds * Math.max(1, grid.buckets - 1);
  const most = Math.max(2, Math.floor(plotWidth / 70));
  const steps = [600, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400, 172800, 432000, 604800];
  const step = steps.find((s) => span / s <= most) ?? 604800;
  const end = grid.start + span;
  const ticks = [];
  if (step < 86400) {
    const east = -fromEpoch(grid.start).getTimezoneOffset() * 60;
    for (let t = Math.ceil((grid.start + east) / step) * step - east; t <= end; t += step) ticks.push(t);
    return { ticks, label: (t) => clockFormat.format(fromEpoch(t)) };
  }
  const day = fromEpoch(grid.start);
  day.setHours(0, 0, 0, 0);
  if (day.getTime() / 1000 < grid.start) day.setDate(day.getDate() + 1);
  while (day.getTime() / 1000 <= end) {
    ticks.push(day.getTime() / 1000);
    day.setDate(day.getDate() + step / 86400);
  }
  return { ticks, label: (t) => dayFormat.format(fromEpoch(t)) };
}

// A gauge's path: each sample holds until the next one (what it counts changes only while some
// instance runs, and every running instance samples it), from the first sample to the last.
function steps(values, x, y) {
  let path = '';
  values.forEach((v, i) => {
    if (v === null) return;
    path += path === '' ? `M${x(i).toFixed(1)} ${y(v).toFixed(1)}` : ` H${x(i).toFixed(1)} V${y(v).toFixed(1)}`;
  });
  return path.includes('H') || path === '' ? path : `${path} l0.01 0`;  // a lone sample shows as a dot
}

// A count's path: one point per bucket; null (never sent for counts) would break the line.
function points(values, x, y) {
  let path = '';
  let run = 0;  // points in the current unbroken stretch
  values.forEach((v, i) => {
    if (v === null) {
      if (run === 1) path += ' l0.01 0';
      run = 0;
      return;
    }
    path += `${run === 0 ? ' M' : ' L'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
    run += 1;
  });
  if (run === 1) path += ' l0.01 0';
  return path.trim();
}

// Draws `lines` ({label, cls, values, area, gauge}) over the window's buckets into `svg`. Values
// are one per bucket; null is a bucket without a sample (gauges). Points with events get a dot with
// a tooltip while there are few; svg.dataset.points counts them.
function plot(svg, grid, lines) {
  const box = svg.getBoundingClientRect();
  const width = Math.max(240, Math.round(box.width || 600));
  const height = Math.max(120, Math.round(box.height || 190));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const margin = { left: 38, right: 12, top: 10, bottom: 22 };
  const w = width - margin.left - margin.right;
  const h = height - margin.top - margin.bottom;
  const n = grid.buckets;
  let max = 0;
  const marks = [];
  for (const line of lines) {
    line.values.forEach((v, i) => {
      if (v === null || v === 0) return;
      max = Math.max(max, v);
      marks.push({ line, i, v });
    });
  }
  const top = niceTop(max);
  const x = (i) => margin.left + (n <= 1 ? w : (i / (n - 1)) * w);
  const y = (v) => margin.top + h - (v / top) * h;

  for (const t of top === 1 ? [0, 1] : [0, top / 2, top]) {
    svg.append(svgElement('line', { class: 'gridline', x1: margin.left, x2: width - margin.right, y1: y(t), y2: y(t) }));
    svg.append(svgElement('text', { x: margin.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, number(t)));
  }
  const { ticks, label } = timeTicks(grid, w);
  for (const t of ticks) {
    const tx = x((t - grid.start) / grid.bucketSeconds);
    const anchor = tx > width - 24 ? 'end' : tx < margin.left + 16 ? 'start' : 'middle';
    svg.append(svgElement('line', { class: 'axis', x1: tx, x2: tx, y1: margin.top + h, y2: margin.top + h + 4 }));
    svg.append(svgElement('text', { x: tx, y: height - 6, 'text-anchor': anchor }, label(t)));
  }
  svg.append(svgElement('line', { class: 'axis', x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0) }));

  for (const line of lines) {
    const path = line.gauge ? steps(line.values, x, y) : points(line.values, x, y);
    if (line.area && n > 1 && path !== '') {
      const area = `M${x(0)} ${y(0)} ${path.replace(/M/g, 'L')} L${x(n - 1)} ${y(0)} Z`;
      svg.append(svgElement('path', { class: `area ${line.cls}`, d: area }));
    }
    svg.append(svgElement('path', { class: `line ${line.cls}`, d: path, 'data-label': line.label }));
  }
  if (marks.length <= MAX_DOTS) {
    for (const { line, i, v } of marks) {
      const dot = svgElement('circle', { class: `dot ${line.cls}`, cx: x(i), cy: y(v), r: 3 });
      const when = dateTimeFormat.format(fromEpoch(grid.start + i * grid.bucketSeconds));
      dot.append(svgElement('title', {}, `${when}: ${v} ${line.label}`));
      svg.append(dot);
    }
  }
  if (max === 0) {
    svg.append(svgElement('text', { class: 'empty', x: margin.left + w / 2, y: margin.top + h / 2, 'text-anchor': 'middle' },
                          'Nothing in this window'));
  }
  svg.dataset.points = String(marks.length);
}

function legend(section, items) {
  const list = section.querySelector('.legend');
  list.replaceChildren();
  for (const item of items) {
    const li = element('li');
    if (item.cls) li.append(element('span', { class: `swatch ${item.cls}` }));
    li.append(element('span', {}, item.label));
    if (item.detail !== undefined) li.append(element('span', { class: 'detail' }, item.detail));
    list.append(li);
  }
}

function panel(id, unit, lines, extra = []) {
  const section = document.getElementById(id);
  section.querySelector('.unit').textContent = unit;
  const grid = state.data.series;
  plot(section.querySelector('svg'), grid, lines);
  legend(section, lines.map((l) => ({ cls: l.cls, label: l.label, detail: l.detail })).concat(extra));
}

const sum = (values) => values.reduce((a, v) => a + (v ?? 0), 0);

function renderPlots() {
  const s = state.data.series.series;
  const per = state.data.series.resolution === 'minute' ? 'per minute' : 'per hour';
  const counted = (name, label, cls, area = false) =>
    ({ label, cls, area, values: s[name].values, detail: number(s[name].sum) });
  panel('validations', `Validations finished ${per}, by outcome`, [
    counted('validations_valid', 'valid', 's-valid', true),
    counted('validations_invalid', 'failed', 's-invalid', true),
  ]);
  const latest = s.paused_pairs.latest;
  panel('paused-pairs', `Pairs paused at the time (the last sample of each ${per.split(' ')[1]})`, [
    {
      label: 'paused', cls: 's-gauge', gauge: true, values: s.paused_pairs.values,
      detail: latest === null ? '–' : `${latest} now`,
    },
  ]);
  panel('pauses', `Pairs ${per}`, [
    counted('paused', 'paused', 's-paused'),
    counted('repaused', 'paused again', 's-repaused'),
    counted('unpaused', 'unpaused', 's-unpaused'),
  ], [{ label: 'orders refused while paused', detail: number(s.refused_orders.sum) }]);
  const limits = Object.keys(s).filter((name) => name.startsWith('rate_limit_denied:') && s[name].sum > 0);
  panel('denials', `Requests refused by a rate limit ${per}`, [counted('rate_limit_denied', 'all limits', 's-denied')],
        limits.map((name) => ({ label: name.slice('rate_limit_denied:'.length), detail: number(s[name].sum) })));
}

function tiles() {
  const { series } = state.data;
  const totals = series.totals;
  const total = (name) => totals[name] ?? 0;
  const figures = [
    [series.series.paused_pairs.latest ?? '–', 'pairs paused now'],
    [number(series.series.validations_invalid.sum), `failed validations (${series.window})`],
    [number(total('paused') + total('repaused')), 'pauses, all time'],
    [number(total('unpaused')), 'unpauses, all time'],
    [number(total('refused_orders')), 'orders refused while paused, all time'],
    [number(total('rate_limit_denied')), 'rate-limit denials, all time'],
  ];
  const section = document.getElementById('totals');
  section.replaceChildren(...figures.map(([figure, label]) => {
    const tile = element('div', { class: 'tile' });
    tile.append(element('div', { class: 'figure' }, String(figure)), element('div', { class: 'label' }, label));
    return tile;
  }));
}

function table(id, rows, empty) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = element('tr');
    tr.append(element('td', { class: 'none', colspan: String(document.querySelectorAll(`#${id} th`).length) }, empty));
    body.append(tr);
    return;
  }
  for (const cells of rows) {
    const tr = element('tr');
    for (const cell of cells) {
      const attributes = {};
      if (cell.cls) attributes.class = cell.cls;
      if (cell.title) attributes.title = cell.title;
      tr.append(element('td', attributes, String(cell.text)));
    }
    body.append(tr);
  }
}

function render() {
  const { pairs, accounts, series } = state.data;
  tiles();
  renderPlots();
  table('pairs', pairs.pairs.map((p) => [
    { text: p.account },
    { text: p.identifier, cls: 'identifier' },
    { text: `${p.failuresLeft} of ${p.burst}`, cls: p.failuresLeft === 0 ? 'num warn' : 'num' },
    { text: until(p.fullAt, pairs.now), title: when(p.fullAt, pairs.now) },
  ]), 'No pair is failing');
  document.querySelector('#accounts .unit').textContent =
    `Failed validations in the last ${series.window === '24h' ? '24 hours' : '30 days'}`;
  table('accounts', accounts.accounts.map((a) => [
    { text: a.account },
    { text: number(a.failedValidations), cls: 'num' },
    { text: when(a.lastFailure, accounts.now) },
  ]), 'No failed validation');
}

function status(text, error = false) {
  const line = document.getElementById('status');
  line.textContent = text;
  line.classList.toggle('error', error);
}

function askForToken(message) {
  const form = document.getElementById('token-form');
  form.hidden = false;
  document.getElementById('panels').hidden = true;
  if (message) document.getElementById('token-note').textContent = message;
  document.getElementById('token').focus();
}

async function load() {
  if (state.loading) return;
  state.loading = true;
  const w = state.window;
  try {
    const [series, pairs, accounts] = await Promise.all([
      api(`/dashboard/api/series?window=${w}`),
      api('/dashboard/api/pairs?limit=10'),
      api(`/dashboard/api/accounts?window=${w}&limit=10`),
    ]);
    state.data = { series, pairs, accounts };
    document.getElementById('token-form').hidden = true;
    document.getElementById('panels').hidden = false;
    render();
    status(`Server time ${dateTimeFormat.format(fromEpoch(series.now))} · updated ${secondsFormat.format(new Date())}`);
    // For scripts watching the page (the e2e test): which window was drawn, how many times so far.
    document.body.dataset.window = w;
    document.body.dataset.loads = String(++state.loads);
  } catch (error) {
    if (error instanceof TokenNeeded) {
      askForToken(error.message);
      status('The figures need the management token', true);
    } else {
      status(`Cannot load the figures: ${error.message}`, true);
    }
  } finally {
    state.loading = false;
  }
  if (w !== state.window) load();  // switched while loading
}

function choose(w) {
  state.window = w;
  for (const button of document.querySelectorAll('.windows button'))
    button.setAttribute('aria-pressed', String(button.dataset.window === w));
  history.replaceState(null, '', w === '24h' ? location.pathname : `#${w}`);
  load();
}

function start() {
  for (const button of document.querySelectorAll('.windows button'))
    button.addEventListener('click', () => choose(button.dataset.window));
  document.getElementById('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('token');
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    load();
  });
  let resizing = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => state.data && renderPlots(), 150);
  });
  document.addEventListener('visibilitychange', () => document.hidden || load());
  setInterval(() => document.hidden || load(), REFRESH_MS);
  choose(state.window);
}

start();
