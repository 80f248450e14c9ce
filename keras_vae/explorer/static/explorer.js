/*
 * keras-vae explore: the browser side of the latent-space explorer.
 *
 * Plain ES2017, no dependencies. Everything talks to the same-origin API:
 *   GET  /api/info, /api/points, /api/decode?z=..., /api/example?index=i
 *   POST /api/decode {z: [[...]], label}, /api/encode {pixels: [...], label}
 *
 * The page keeps one "current point" z (a full latent vector). The sliders
 * show it, the plane marks it, and #decoded shows its decoding, except while
 * the mouse hovers the plane, when #decoded previews the hovered position.
 */
(function () {
  'use strict';

  // ---- Constants ---------------------------------------------------------

  const PALETTE = [
    '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
    '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  ];
  const UNLABELLED_COLOUR = '#8a8a8a';
  const PLANE_SIZE = 520;        // CSS pixels, the canvas is square
  const PLANE_MARGIN = 32;       // room for the tick labels
  const PRIOR_EXTENT = 4;        // the axes show at least [-4, 4] around the prior
  const HIT_RADIUS = 6;          // CSS pixels for clicking a test point
  const DRAG_THRESHOLD = 3;      // CSS pixels before a press becomes a drag
  const POINT_SIZE = 3;
  const INTERPOLATION_STEPS = 10;
  const MAX_BATCH_ROWS = 256;    // the server's limit for POST /api/decode
  const MAX_PREVIEWS_PER_DIM = 5;
  const PREVIEW_RANGE = 3;       // previews span [-3, 3] along each dim
  const PREVIEW_DEBOUNCE_MS = 250;
  const BRUSH_WIDTH = 18;

  // ---- State -------------------------------------------------------------

  const state = {
    info: null,
    points: null,
    d: 0,
    view: { mode: 'dims', dx: 0, dy: 1 },  // dy is -1 when d == 1
    projected: null,       // Float64Array of plane coordinates, 2 per point
    bounds: null,          // {xmin, xmax, ymin, ymax} in plane coordinates
    current: [],           // the current latent point
    hover: null,           // {x, y} pixel position previewed on the plane
    posterior: null,       // {z_mean, z_log_var} of the selected code
    endpoints: [],         // latent vectors picked for interpolation
    picking: false,        // interpolation mode: clicks pick endpoints
    label: null,           // ConditionalVAE label, null otherwise
    previewValues: [],     // slider preview positions along each dim
    ready: false,
  };
  const els = {};
  let scatterLayer = null;   // offscreen canvas holding the point cloud
  let redrawQueued = false;
  let exampleTicket = 0;     // ignores example answers that came too late
  let encodeTicket = 0;
  let previewTimer = null;

  // ---- Small helpers -----------------------------------------------------

  function $(id) {
    return document.getElementById(id);
  }

  function setStatus(message, isError) {
    els.status.textContent = message || '';
    els.status.classList.toggle('error', Boolean(isError));
  }

  function showError(error) {
    setStatus(error && error.message ? error.message : String(error), true);
  }

  function colourFor(label) {
    if (label === null || label === undefined) return UNLABELLED_COLOUR;
    return PALETTE[((label % PALETTE.length) + PALETTE.length) % PALETTE.length];
  }

  /** A short, exact-enough text form of a float for URLs and labels. */
  function formatNumber(value, digits) {
    if (!Number.isFinite(value)) return '0';
    return String(Number(value.toPrecision(digits || 6)));
  }

  function sameVector(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-9) return false;
    }
    return true;
  }

  function linspace(start, stop, count) {
    if (count === 1) return [(start + stop) / 2];
    const values = [];
    for (let k = 0; k < count; k++) values.push(start + (stop - start) * k / (count - 1));
    return values;
  }

  /**
   * Wraps an async task so that at most one run is in flight. Calls made
   * while it runs are collapsed: only the latest arguments run next.
   */
  function latestOnly(task) {
    let running = false;
    let hasPending = false;
    let pending = null;
    async function pump() {
      running = true;
      while (hasPending) {
        const args = pending;
        hasPending = false;
        pending = null;
        try {
          await task(args);
        } catch (error) {
          showError(error);
        }
      }
      running = false;
    }
    return function schedule(args) {
      pending = args;
      hasPending = true;
      if (!running) pump();
    };
  }

  // ---- API ---------------------------------------------------------------

  /** Fetches `url`; a failed request becomes an Error with the server's message. */
  async function apiFetch(url, options) {
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      throw new Error('Network error: ' + error.message);
    }
    if (!response.ok) throw new Error(await errorMessage(response));
    return response;
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error) return body.error;
    } catch (ignored) {
      // Not JSON: fall through to the status code.
    }
    return 'Request failed: HTTP ' + response.status;
  }

  async function getJson(url) {
    return (await apiFetch(url)).json();
  }

  async function postJson(url, body) {
    const response = await apiFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.json();
  }

  function decodeUrl(z, label) {
    const values = z.map(function (v) { return encodeURIComponent(formatNumber(v)); });
    let url = '/api/decode?z=' + values.join(',');
    if (label !== null && label !== undefined) url += '&label=' + label;
    return url;
  }

  /** Decodes many latent vectors in one POST; returns their data URLs. */
  async function decodeBatch(rows) {
    const result = await postJson('/api/decode', { z: rows, label: state.label });
    return result.images;
  }

  // ---- The live decode into #decoded -----------------------------------

  /**
   * Returns show(blob): displays a PNG blob in `img` through an object URL,
   * resolving once it has loaded. The previous URL is revoked only after
   * the new one has loaded, so no image ever points at a revoked URL.
   */
  function blobImageSetter(img) {
    let shownUrl = null;
    return function show(blob) {
      const url = URL.createObjectURL(blob);
      return new Promise(function (resolve) {
        img.onload = function () {
          if (shownUrl) URL.revokeObjectURL(shownUrl);
          shownUrl = url;
          resolve();
        };
        img.onerror = function () {
          setStatus('The decoded image could not be displayed.', true);
          resolve();
        };
        img.src = url;
      });
    };
  }

  let showDecoded = null;

  async function decodeIntoMain(job) {
    try {
      const blob = await (await apiFetch(decodeUrl(job.z, job.label))).blob();
      await showDecoded(blob);
    } finally {
      markReady();
    }
  }

  const scheduleLiveDecode = latestOnly(decodeIntoMain);

  function requestDecode(z) {
    scheduleLiveDecode({ z: z.slice(), label: state.label });
  }

  /** Decodes what #decoded should show: the hovered position or the current point. */
  function refreshDecoded() {
    requestDecode(state.hover ? zAtPixel(state.hover) : state.current);
  }

  function markReady() {
    if (state.ready) return;
    state.ready = true;
    document.body.dataset.ready = 'true';
  }

  // ---- Projection between latent space and the plane --------------------

  /** Plane coordinates (a, b) of latent vector z in the current view. */
  function project(z) {
    const view = state.view;
    if (view.mode === 'pca') {
      const pca = state.points.pca;
      let a = 0;
      let b = 0;
      for (let j = 0; j < state.d; j++) {
        const centred = z[j] - pca.mean[j];
        a += centred * pca.components[0][j];
        b += centred * pca.components[1][j];
      }
      return [a, b];
    }
    return [z[view.dx], view.dy >= 0 ? z[view.dy] : 0];
  }

  /** The latent vector for plane coordinates (a, b). */
  function zFromPlane(a, b) {
    if (state.view.mode === 'pca') {
      const pca = state.points.pca;
      return pca.mean.map(function (m, j) {
        return m + a * pca.components[0][j] + b * pca.components[1][j];
      });
    }
    // Dims mode: the current point with the two plotted coordinates replaced.
    const z = state.current.slice();
    z[state.view.dx] = a;
    if (state.view.dy >= 0) z[state.view.dy] = b;
    return z;
  }

  /** One posterior standard deviation along each plane axis. */
  function posteriorSigmas(logVar) {
    const view = state.view;
    if (view.mode === 'pca') {
      // Project the diagonal covariance onto each (unit) component.
      return state.points.pca.components.slice(0, 2).map(function (c) {
        let variance = 0;
        for (let j = 0; j < state.d; j++) variance += c[j] * c[j] * Math.exp(logVar[j]);
        return Math.sqrt(variance);
      });
    }
    return [
      Math.exp(0.5 * logVar[view.dx]),
      view.dy >= 0 ? Math.exp(0.5 * logVar[view.dy]) : 0,
    ];
  }

  function projectAllPoints() {
    const zs = state.points.z_mean;
    const projected = new Float64Array(zs.length * 2);
    for (let i = 0; i < zs.length; i++) {
      const ab = project(zs[i]);
      projected[2 * i] = ab[0];
      projected[2 * i + 1] = ab[1];
    }
    state.projected = projected;
  }

  /**
   * Square bounds covering the data and at least [-4, 4] around the prior's
   * centre, so that the prior contours stay circles.
   */
  function computeBounds() {
    const centre = project(new Array(state.d).fill(0));
    let xmin = centre[0] - PRIOR_EXTENT;
    let xmax = centre[0] + PRIOR_EXTENT;
    let ymin = centre[1] - PRIOR_EXTENT;
    let ymax = centre[1] + PRIOR_EXTENT;
    const p = state.projected;
    for (let i = 0; i < p.length; i += 2) {
      if (!Number.isFinite(p[i]) || !Number.isFinite(p[i + 1])) continue;
      xmin = Math.min(xmin, p[i]);
      xmax = Math.max(xmax, p[i]);
      ymin = Math.min(ymin, p[i + 1]);
      ymax = Math.max(ymax, p[i + 1]);
    }
    const half = 1.05 * Math.max(xmax - xmin, ymax - ymin) / 2;
    const cx = (xmin + xmax) / 2;
    const cy = (ymin + ymax) / 2;
    state.bounds = { xmin: cx - half, xmax: cx + half, ymin: cy - half, ymax: cy + half };
  }

  function pixelsPerUnit() {
    return (PLANE_SIZE - 2 * PLANE_MARGIN) / (state.bounds.xmax - state.bounds.xmin);
  }

  function toPixel(a, b) {
    const bounds = state.bounds;
    const scale = pixelsPerUnit();
    return {
      x: PLANE_MARGIN + (a - bounds.xmin) * scale,
      y: PLANE_SIZE - PLANE_MARGIN - (b - bounds.ymin) * scale,
    };
  }

  function fromPixel(x, y) {
    const bounds = state.bounds;
    const scale = pixelsPerUnit();
    return [
      bounds.xmin + (x - PLANE_MARGIN) / scale,
      bounds.ymin + (PLANE_SIZE - PLANE_MARGIN - y) / scale,
    ];
  }

  function zAtPixel(pos) {
    const ab = fromPixel(pos.x, pos.y);
    return zFromPlane(ab[0], ab[1]);
  }

  /** Index of the test point nearest to pixel `pos`, or null if none is within reach. */
  function nearestPoint(pos) {
    const p = state.projected;
    const scale = pixelsPerUnit();
    const ab = fromPixel(pos.x, pos.y);
    let best = null;
    let bestDistance = (HIT_RADIUS / scale) * (HIT_RADIUS / scale);
    for (let i = 0; i < p.length; i += 2) {
      const dx = p[i] - ab[0];
      const dy = p[i + 1] - ab[1];
      const distance = dx * dx + dy * dy;
      if (distance <= bestDistance) {
        bestDistance = distance;
        best = i / 2;
      }
    }
    return best;
  }

  // ---- Drawing the plane -------------------------------------------------

  /** Sizes a canvas for the device pixel ratio; returns its context in CSS pixels. */
  function setUpCanvas(canvas, size) {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(size * ratio);
    canvas.height = Math.round(size * ratio);
    canvas.style.width = size + 'px';
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return ctx;
  }

  /** Renders the point cloud once per view into an offscreen canvas. */
  function renderScatterLayer() {
    scatterLayer = document.createElement('canvas');
    const ctx = setUpCanvas(scatterLayer, PLANE_SIZE);
    const labels = state.points.labels;
    const p = state.projected;
    const byColour = new Map();
    for (let i = 0; i < p.length / 2; i++) {
      const colour = colourFor(labels ? labels[i] : null);
      if (!byColour.has(colour)) byColour.set(colour, []);
      byColour.get(colour).push(i);
    }
    ctx.globalAlpha = 0.7;
    byColour.forEach(function (indices, colour) {
      ctx.fillStyle = colour;
      indices.forEach(function (i) {
        const px = toPixel(p[2 * i], p[2 * i + 1]);
        ctx.fillRect(px.x - POINT_SIZE / 2, px.y - POINT_SIZE / 2, POINT_SIZE, POINT_SIZE);
      });
    });
  }

  function requestRedraw() {
    if (redrawQueued) return;
    redrawQueued = true;
    window.requestAnimationFrame(function () {
      redrawQueued = false;
      drawPlane();
    });
  }

  function drawPlane() {
    const ctx = els.planeCtx;
    ctx.clearRect(0, 0, PLANE_SIZE, PLANE_SIZE);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, PLANE_SIZE, PLANE_SIZE);
    drawAxes(ctx);
    ctx.save();
    ctx.beginPath();
    ctx.rect(PLANE_MARGIN, PLANE_MARGIN, PLANE_SIZE - 2 * PLANE_MARGIN, PLANE_SIZE - 2 * PLANE_MARGIN);
    ctx.clip();
    drawPriorContours(ctx);
    ctx.drawImage(scatterLayer, 0, 0, PLANE_SIZE, PLANE_SIZE);
    drawSelection(ctx);
    drawInterpolationEndpoints(ctx);
    drawCurrentPoint(ctx);
    drawHover(ctx);
    ctx.restore();
  }

  function tickStep(span) {
    const steps = [0.5, 1, 2, 5, 10, 20, 50, 100];
    for (let i = 0; i < steps.length; i++) {
      if (span / steps[i] <= 10) return steps[i];
    }
    return Math.pow(10, Math.ceil(Math.log10(span / 10)));
  }

  function drawAxes(ctx) {
    const bounds = state.bounds;
    const inner = PLANE_SIZE - 2 * PLANE_MARGIN;
    ctx.strokeStyle = '#cccccc';
    ctx.lineWidth = 1;
    ctx.strokeRect(PLANE_MARGIN, PLANE_MARGIN, inner, inner);
    ctx.fillStyle = '#555555';
    ctx.font = '11px sans-serif';
    const step = tickStep(bounds.xmax - bounds.xmin);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let v = Math.ceil(bounds.xmin / step) * step; v <= bounds.xmax; v += step) {
      const px = toPixel(v, bounds.ymin);
      ctx.fillRect(px.x, PLANE_SIZE - PLANE_MARGIN, 1, 4);
      ctx.fillText(formatNumber(v, 3), px.x, PLANE_SIZE - PLANE_MARGIN + 5);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = Math.ceil(bounds.ymin / step) * step; v <= bounds.ymax; v += step) {
      const px = toPixel(bounds.xmin, v);
      ctx.fillRect(PLANE_MARGIN - 4, px.y, 4, 1);
      ctx.fillText(formatNumber(v, 3), PLANE_MARGIN - 6, px.y);
    }
    const names = axisNames();
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(names[0], PLANE_SIZE - PLANE_MARGIN, PLANE_MARGIN - 4);
    ctx.textAlign = 'left';
    ctx.fillText(names[1], PLANE_MARGIN, PLANE_MARGIN - 4);
  }

  function axisNames() {
    if (state.view.mode === 'pca') return ['x: PC1', 'y: PC2'];
    return ['x: z' + state.view.dx, state.view.dy >= 0 ? 'y: z' + state.view.dy : 'y: 0'];
  }

  /** The N(0, I) prior at 1, 2 and 3 standard deviations. */
  function drawPriorContours(ctx) {
    const centre = project(new Array(state.d).fill(0));
    const px = toPixel(centre[0], centre[1]);
    const scale = pixelsPerUnit();
    ctx.save();
    ctx.strokeStyle = '#9a9a9a';
    ctx.setLineDash([4, 4]);
    ctx.fillStyle = '#9a9a9a';
    ctx.font = '10px sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    for (let k = 1; k <= 3; k++) {
      ctx.beginPath();
      if (state.d === 1 && state.view.mode !== 'pca') {
        // One latent dim: the prior's +-k sigma along the only axis.
        ctx.moveTo(px.x - k * scale, px.y - 6);
        ctx.lineTo(px.x - k * scale, px.y + 6);
        ctx.moveTo(px.x + k * scale, px.y - 6);
        ctx.lineTo(px.x + k * scale, px.y + 6);
      } else {
        ctx.arc(px.x, px.y, k * scale, 0, 2 * Math.PI);
      }
      ctx.stroke();
      ctx.fillText(k + 'σ', px.x + k * scale * Math.SQRT1_2 + 2, px.y - k * scale * Math.SQRT1_2);
    }
    ctx.restore();
  }

  /** The selected code: its posterior ellipse, or only a marker. */
  function drawSelection(ctx) {
    const posterior = state.posterior;
    // data-ellipse on the canvas says what was drawn ("x,y,rx,ry" in CSS
    // pixels), for scripts and tests that cannot read the picture.
    delete ctx.canvas.dataset.ellipse;
    if (!posterior) return;
    const centre = project(posterior.z_mean);
    const px = toPixel(centre[0], centre[1]);
    if (state.info.has_posterior && posterior.z_log_var) {
      const sigmas = posteriorSigmas(posterior.z_log_var);
      const scale = pixelsPerUnit();
      const rx = Math.max(sigmas[0] * scale, 1);
      const ry = sigmas[1] * scale;
      ctx.save();
      ctx.strokeStyle = '#111111';
      ctx.fillStyle = 'rgba(17, 17, 17, 0.12)';
      ctx.lineWidth = 2;
      ctx.beginPath();
      if (ry > 0) {
        ctx.ellipse(px.x, px.y, rx, ry, 0, 0, 2 * Math.PI);
        ctx.fill();
      } else {
        // One latent dim: a horizontal one-sigma error bar.
        ctx.moveTo(px.x - rx, px.y);
        ctx.lineTo(px.x + rx, px.y);
        ctx.moveTo(px.x - rx, px.y - 5);
        ctx.lineTo(px.x - rx, px.y + 5);
        ctx.moveTo(px.x + rx, px.y - 5);
        ctx.lineTo(px.x + rx, px.y + 5);
      }
      ctx.stroke();
      ctx.restore();
      ctx.canvas.dataset.ellipse = [px.x, px.y, rx, ry].map(function (v) {
        return v.toFixed(1);
      }).join(',');
    }
    drawDiamond(ctx, px, 5, '#111111');
  }

  function drawDiamond(ctx, px, r, colour) {
    ctx.save();
    ctx.fillStyle = colour;
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(px.x, px.y - r);
    ctx.lineTo(px.x + r, px.y);
    ctx.lineTo(px.x, px.y + r);
    ctx.lineTo(px.x - r, px.y);
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
    ctx.restore();
  }

  function drawInterpolationEndpoints(ctx) {
    const ends = state.endpoints.map(function (z) {
      const ab = project(z);
      return toPixel(ab[0], ab[1]);
    });
    ctx.save();
    if (ends.length === 2) {
      ctx.strokeStyle = '#c2185b';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 3]);
      ctx.beginPath();
      ctx.moveTo(ends[0].x, ends[0].y);
      ctx.lineTo(ends[1].x, ends[1].y);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.font = 'bold 12px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ends.forEach(function (px, k) {
      ctx.fillStyle = '#c2185b';
      ctx.beginPath();
      ctx.arc(px.x, px.y, 8, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = '#ffffff';
      ctx.fillText(k === 0 ? 'A' : 'B', px.x, px.y + 0.5);
    });
    ctx.restore();
  }

  function drawCurrentPoint(ctx) {
    const ab = project(state.current);
    const px = toPixel(ab[0], ab[1]);
    ctx.save();
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(px.x, px.y, 6, 0, 2 * Math.PI);
    ctx.moveTo(px.x - 10, px.y);
    ctx.lineTo(px.x + 10, px.y);
    ctx.moveTo(px.x, px.y - 10);
    ctx.lineTo(px.x, px.y + 10);
    ctx.stroke();
    ctx.restore();
  }

  function drawHover(ctx) {
    if (!state.hover) return;
    const pos = state.hover;
    ctx.save();
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.35)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(PLANE_MARGIN, pos.y);
    ctx.lineTo(PLANE_SIZE - PLANE_MARGIN, pos.y);
    ctx.moveTo(pos.x, PLANE_MARGIN);
    ctx.lineTo(pos.x, PLANE_SIZE - PLANE_MARGIN);
    ctx.stroke();
    ctx.restore();
  }

  // ---- The current point -------------------------------------------------

  /** Makes z the current point: sliders, plane, #decoded and previews follow. */
  function setCurrent(z) {
    if (sameVector(z, state.current)) return false;
    state.current = z.slice();
    syncSliders();
    showCurrentVector();
    requestRedraw();
    refreshDecoded();
    schedulePreviews();
    return true;
  }

  function showCurrentVector() {
    const shown = state.current.slice(0, 8).map(function (v) { return formatNumber(v, 3); });
    const more = state.d > 8 ? ', … (' + state.d + ' dims)' : '';
    els.currentZ.textContent = 'z = [' + shown.join(', ') + more + ']';
  }

  // ---- Plane interaction -------------------------------------------------

  let press = null;   // {x, y, dragging} while a pointer is down on the plane

  function planePosition(event) {
    const rect = els.plane.getBoundingClientRect();
    const x = (event.clientX - rect.left) * PLANE_SIZE / rect.width;
    const y = (event.clientY - rect.top) * PLANE_SIZE / rect.height;
    // Keep positions inside the plotted area.
    return {
      x: Math.min(Math.max(x, PLANE_MARGIN), PLANE_SIZE - PLANE_MARGIN),
      y: Math.min(Math.max(y, PLANE_MARGIN), PLANE_SIZE - PLANE_MARGIN),
    };
  }

  function onPlanePointerDown(event) {
    if (event.button !== 0) return;
    const pos = planePosition(event);
    press = { x: pos.x, y: pos.y, dragging: false };
    els.plane.setPointerCapture(event.pointerId);
    event.preventDefault();
  }

  function onPlanePointerMove(event) {
    const pos = planePosition(event);
    if (press && !press.dragging && !state.picking && !event.shiftKey &&
        Math.hypot(pos.x - press.x, pos.y - press.y) > DRAG_THRESHOLD) {
      press.dragging = true;
    }
    if (press && press.dragging) {
      // Dragging moves the current point itself.
      state.hover = null;
      setCurrent(zAtPixel(pos));
      return;
    }
    // Hovering previews the position without changing the current point.
    state.hover = pos;
    requestDecode(zAtPixel(pos));
    requestRedraw();
  }

  function onPlanePointerUp(event) {
    if (!press) return;
    const wasDrag = press.dragging;
    press = null;
    if (wasDrag) return;
    // After a click #decoded shows the current point until the mouse moves on.
    const hadHover = state.hover !== null;
    state.hover = null;
    requestRedraw();
    if (!onPlaneClick(planePosition(event), event.shiftKey) && hadHover) refreshDecoded();
  }

  function onPlanePointerLeave() {
    if (press) return;
    if (state.hover) {
      state.hover = null;
      refreshDecoded();
      requestRedraw();
    }
  }

  /** Handles a click on the plane; returns whether the current point changed. */
  function onPlaneClick(pos, shiftKey) {
    const hit = nearestPoint(pos);
    if (state.picking || shiftKey) {
      addEndpoint(hit !== null ? state.points.z_mean[hit].slice() : zAtPixel(pos));
      return false;
    }
    if (hit !== null) {
      const before = state.current;
      selectExample(hit);
      return before !== state.current;
    }
    return setCurrent(zAtPixel(pos));
  }

  // ---- Selecting a test point ---------------------------------------------

  async function selectExample(index) {
    const ticket = ++exampleTicket;
    const points = state.points;
    // Show the posterior from the already-loaded points at once.
    state.posterior = {
      z_mean: points.z_mean[index],
      z_log_var: points.z_log_var ? points.z_log_var[index] : null,
    };
    setCurrent(points.z_mean[index]);
    requestRedraw();
    els.exampleInfo.textContent = 'Test point #' + index + ' (loading…)';
    try {
      const example = await getJson('/api/example?index=' + index);
      if (ticket !== exampleTicket) return;
      els.original.src = example.original;
      els.reconstruction.src = example.reconstruction;
      state.posterior = { z_mean: example.z_mean, z_log_var: example.z_log_var };
      els.exampleInfo.textContent = 'Test point #' + example.index +
        (example.label !== null && example.label !== undefined ? ', label ' + example.label : '');
      setCurrent(example.z_mean);
      requestRedraw();
    } catch (error) {
      if (ticket === exampleTicket) showError(error);
    }
  }

  // ---- Sliders -----------------------------------------------------------

  function buildSliders() {
    const d = state.d;
    const perDim = Math.min(MAX_PREVIEWS_PER_DIM, Math.floor(MAX_BATCH_ROWS / d));
    state.previewValues = perDim >= 2 ? linspace(-PREVIEW_RANGE, PREVIEW_RANGE, perDim) : [];
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < d; i++) fragment.appendChild(buildSliderRow(i));
    els.sliders.appendChild(fragment);
  }

  function buildSliderRow(i) {
    const row = document.createElement('div');
    row.className = 'slider-row';

    const name = document.createElement('label');
    name.className = 'slider-name';
    name.htmlFor = 'slider-' + i;
    name.textContent = 'z' + i;

    const slider = document.createElement('input');
    slider.type = 'range';
    slider.id = 'slider-' + i;
    slider.min = '-4';
    slider.max = '4';
    slider.step = '0.01';
    slider.value = '0';
    slider.addEventListener('input', function () {
      const z = state.current.slice();
      z[i] = Number(slider.value);
      setCurrent(z);
    });

    const value = document.createElement('output');
    value.className = 'slider-value';
    value.id = 'slider-value-' + i;
    value.htmlFor = slider.id;

    row.appendChild(name);
    row.appendChild(slider);
    row.appendChild(value);
    if (state.previewValues.length) row.appendChild(buildPreviewStrip(i));
    return row;
  }

  /** Thumbnails along dim i; clicking one moves the slider there. */
  function buildPreviewStrip(i) {
    const strip = document.createElement('div');
    strip.className = 'slider-preview';
    strip.id = 'preview-' + i;
    state.previewValues.forEach(function (v) {
      const img = document.createElement('img');
      img.alt = '';
      img.title = 'z' + i + ' = ' + formatNumber(v, 3);
      img.addEventListener('click', function () {
        const z = state.current.slice();
        z[i] = v;
        setCurrent(z);
      });
      strip.appendChild(img);
    });
    return strip;
  }

  function syncSliders() {
    for (let i = 0; i < state.d; i++) {
      const slider = $('slider-' + i);
      const text = formatNumber(state.current[i], 3);
      // Setting an equal value would still move the thumb while dragging.
      if (Number(slider.value) !== state.current[i]) slider.value = String(state.current[i]);
      $('slider-value-' + i).textContent = text;
    }
  }

  function schedulePreviews() {
    if (!state.previewValues.length) return;
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(function () {
      schedulePreviewFetch({ z: state.current.slice() });
    }, PREVIEW_DEBOUNCE_MS);
  }

  const schedulePreviewFetch = latestOnly(async function (job) {
    const rows = [];
    for (let i = 0; i < state.d; i++) {
      state.previewValues.forEach(function (v) {
        const z = job.z.slice();
        z[i] = v;
        rows.push(z);
      });
    }
    const images = await decodeBatch(rows);
    const perDim = state.previewValues.length;
    for (let i = 0; i < state.d; i++) {
      const thumbs = $('preview-' + i).children;
      for (let k = 0; k < perDim; k++) thumbs[k].src = images[i * perDim + k];
    }
  });

  // ---- Interpolation -----------------------------------------------------

  function onInterpolateButton() {
    state.picking = !state.picking;
    if (state.picking) {
      state.endpoints = [];
      setStatus('Interpolation: click the first point (a test point or any position).');
    } else {
      setStatus('');
    }
    updateInterpolateButton();
    requestRedraw();
  }

  function updateInterpolateButton() {
    els.interpolateMode.setAttribute('aria-pressed', String(state.picking));
    els.interpolateMode.textContent = state.picking ? 'Cancel interpolation' : 'Interpolate…';
    els.plane.classList.toggle('picking', state.picking);
  }

  function addEndpoint(z) {
    if (state.endpoints.length >= 2) state.endpoints = [];
    state.endpoints.push(z);
    if (state.endpoints.length === 1) {
      setStatus('Interpolation: click the second point.');
    } else {
      state.picking = false;
      updateInterpolateButton();
      setStatus('');
      scheduleInterpolation();
    }
    requestRedraw();
  }

  /** Linear interpolation between the two endpoints, both included. */
  function interpolationRows() {
    const a = state.endpoints[0];
    const b = state.endpoints[1];
    return linspace(0, 1, INTERPOLATION_STEPS).map(function (t) {
      return a.map(function (v, j) { return v + t * (b[j] - v); });
    });
  }

  const scheduleInterpolation = latestOnly(async function () {
    if (state.endpoints.length !== 2) return;
    const images = await decodeBatch(interpolationRows());
    renderInterpolation(images);
  });

  function renderInterpolation(images) {
    const strip = els.interpolation;
    // Reuse the <img> elements so their src attributes simply update.
    if (strip.children.length !== images.length) {
      strip.textContent = '';
      images.forEach(function (unused, k) {
        const img = document.createElement('img');
        img.className = 'interpolation-frame';
        img.alt = 'interpolation step ' + (k + 1);
        img.title = 't = ' + formatNumber(k / Math.max(images.length - 1, 1), 2);
        strip.appendChild(img);
      });
    }
    images.forEach(function (src, k) { strip.children[k].src = src; });
  }

  // ---- Drawing and encoding ---------------------------------------------

  let drawCtx = null;
  let lastStroke = null;   // the previous brush position while drawing

  function setUpDrawing() {
    const shape = state.info.data_shape;
    if (!state.info.can_draw || !shape || shape.length < 2) {
      els.drawSection.hidden = true;
      return;
    }
    drawCtx = els.draw.getContext('2d');
    clearDrawing();
    els.draw.addEventListener('pointerdown', onDrawPointerDown);
    els.draw.addEventListener('pointermove', onDrawPointerMove);
    els.draw.addEventListener('pointerup', onDrawPointerUp);
    els.draw.addEventListener('pointercancel', function () { lastStroke = null; });
    els.drawClear.addEventListener('click', function () {
      clearDrawing();
      els.drawReconstruction.removeAttribute('src');
    });
  }

  function clearDrawing() {
    drawCtx.fillStyle = '#000000';
    drawCtx.fillRect(0, 0, els.draw.width, els.draw.height);
  }

  function drawPosition(event) {
    const rect = els.draw.getBoundingClientRect();
    return {
      x: (event.clientX - rect.left) * els.draw.width / rect.width,
      y: (event.clientY - rect.top) * els.draw.height / rect.height,
    };
  }

  function strokeTo(pos) {
    drawCtx.strokeStyle = '#ffffff';
    drawCtx.lineWidth = BRUSH_WIDTH;
    drawCtx.lineCap = 'round';
    drawCtx.lineJoin = 'round';
    drawCtx.beginPath();
    drawCtx.moveTo(lastStroke.x, lastStroke.y);
    drawCtx.lineTo(pos.x, pos.y);
    drawCtx.stroke();
    lastStroke = pos;
  }

  function onDrawPointerDown(event) {
    if (event.button !== 0) return;
    els.draw.setPointerCapture(event.pointerId);
    event.preventDefault();
    lastStroke = drawPosition(event);
    // A tiny segment so that a single tap leaves a dot.
    strokeTo({ x: lastStroke.x + 0.01, y: lastStroke.y });
  }

  function onDrawPointerMove(event) {
    if (!lastStroke) return;
    strokeTo(drawPosition(event));
  }

  function onDrawPointerUp() {
    if (!lastStroke) return;
    lastStroke = null;
    encodeDrawing();
  }

  /**
   * The drawing at the data's height x width as greyscale in [0, 1],
   * row-major (H, W, C) with the grey value repeated over C channels.
   * Halving repeatedly before the last step averages the brush strokes
   * instead of sampling them.
   */
  function drawingPixels() {
    const shape = state.info.data_shape;
    const height = shape[0];
    const width = shape[1];
    const channels = shape.length > 2 ? shape[2] : 1;
    let source = els.draw;
    while (source.width / 2 >= width && source.height / 2 >= height) {
      source = resized(source, Math.floor(source.width / 2), Math.floor(source.height / 2), false);
    }
    const small = resized(source, width, height, true);
    const rgba = small.getContext('2d').getImageData(0, 0, width, height).data;
    const pixels = [];
    for (let p = 0; p < width * height; p++) {
      const grey = Math.round(rgba[4 * p] / 255 * 1e4) / 1e4;
      for (let c = 0; c < channels; c++) pixels.push(grey);
    }
    return pixels;
  }

  function resized(source, width, height, forReading) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', forReading ? { willReadFrequently: true } : undefined);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, 0, 0, width, height);
    return canvas;
  }

  async function encodeDrawing() {
    const ticket = ++encodeTicket;
    try {
      const result = await postJson('/api/encode', { pixels: drawingPixels(), label: state.label });
      if (ticket !== encodeTicket) return;
      els.drawReconstruction.src = result.reconstruction;
      state.posterior = { z_mean: result.z_mean, z_log_var: result.z_log_var };
      els.exampleInfo.textContent = 'Posterior shown: your drawing';
      setCurrent(result.z_mean);
      requestRedraw();
    } catch (error) {
      if (ticket === encodeTicket) showError(error);
    }
  }

  // ---- Controls ----------------------------------------------------------

  function addOption(select, value, text) {
    const option = document.createElement('option');
    option.value = String(value);
    option.textContent = text;
    select.appendChild(option);
    return option;
  }

  function setUpViewControls() {
    const d = state.d;
    const hasPca = d >= 2 && Boolean(state.points.pca);
    for (let i = 0; i < d; i++) {
      addOption(els.dimX, i, 'z' + i);
      if (d > 1) addOption(els.dimY, i, 'z' + i);
    }
    if (d === 1) {
      addOption(els.dimY, -1, '0 (one latent dim)');
      els.dimY.disabled = true;
    }
    addOption(els.projection, 'dims', 'latent dims');
    addOption(els.projection, 'pca', 'principal components').disabled = !hasPca;
    els.dimX.value = '0';
    els.dimY.value = d > 1 ? '1' : '-1';
    els.projection.value = d > 2 && hasPca ? 'pca' : 'dims';
    [els.projection, els.dimX, els.dimY].forEach(function (select) {
      select.addEventListener('change', applyViewControls);
    });
    applyViewControls();
  }

  /** Reads the view selects, then re-projects and redraws the plane. */
  function applyViewControls() {
    const mode = els.projection.value;
    state.view = { mode: mode, dx: Number(els.dimX.value), dy: Number(els.dimY.value) };
    els.dimX.disabled = mode === 'pca';
    els.dimY.disabled = mode === 'pca' || state.d === 1;
    projectAllPoints();
    computeBounds();
    renderScatterLayer();
    requestRedraw();
  }

  function setUpLabelControl() {
    const classes = state.info.num_classes;
    if (classes === null || classes === undefined) {
      els.labelControl.hidden = true;
      return;
    }
    for (let k = 0; k < classes; k++) addOption(els.label, k, String(k));
    els.label.value = '0';
    state.label = 0;
    els.labelControl.hidden = false;
    els.label.addEventListener('change', function () {
      state.label = Number(els.label.value);
      // Every decode depends on the label: refresh them all.
      refreshDecoded();
      schedulePreviews();
      scheduleInterpolation();
    });
  }

  function setUpPosteriorNote() {
    if (state.info.has_posterior) {
      els.posteriorNote.hidden = true;
      return;
    }
    els.posteriorNote.textContent = state.info.posterior_note ||
      'This model has no posterior: only the code is marked.';
    els.posteriorNote.hidden = false;
  }

  function buildLegend() {
    const labels = state.points.labels;
    els.legend.textContent = '';
    if (!labels) {
      els.legend.textContent = 'No labels: all points grey.';
      return;
    }
    const unique = Array.from(new Set(labels)).sort(function (a, b) { return a - b; });
    unique.forEach(function (label) {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const swatch = document.createElement('span');
      swatch.className = 'legend-swatch';
      swatch.style.backgroundColor = colourFor(label);
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(String(label)));
      els.legend.appendChild(item);
    });
  }

  function showModelInfo() {
    const info = state.info;
    const parts = [info.model, 'latent dim ' + info.latent_dim];
    if (info.dataset) parts.push(info.dataset);
    parts.push(state.points.z_mean.length + ' points');
    els.modelInfo.textContent = parts.join(' · ');
  }

  // ---- Start-up ----------------------------------------------------------

  function findElements() {
    const ids = {
      status: 'status', modelInfo: 'model-info', plane: 'plane', legend: 'legend',
      projection: 'projection', dimX: 'dim-x', dimY: 'dim-y',
      labelControl: 'label-control', label: 'label', interpolateMode: 'interpolate-mode',
      decoded: 'decoded', currentZ: 'current-z', original: 'original',
      reconstruction: 'reconstruction', exampleInfo: 'example-info',
      posteriorNote: 'posterior-note', sliders: 'sliders', interpolation: 'interpolation',
      drawSection: 'draw-section', draw: 'draw', drawClear: 'draw-clear',
      drawReconstruction: 'draw-reconstruction',
    };
    Object.keys(ids).forEach(function (key) { els[key] = $(ids[key]); });
  }

  function setUpPlane() {
    els.planeCtx = setUpCanvas(els.plane, PLANE_SIZE);
    els.plane.addEventListener('pointerdown', onPlanePointerDown);
    els.plane.addEventListener('pointermove', onPlanePointerMove);
    els.plane.addEventListener('pointerup', onPlanePointerUp);
    els.plane.addEventListener('pointercancel', function () { press = null; });
    els.plane.addEventListener('pointerleave', onPlanePointerLeave);
    els.interpolateMode.addEventListener('click', onInterpolateButton);
  }

  async function start() {
    findElements();
    showDecoded = blobImageSetter(els.decoded);
    setStatus('Loading…');
    let info;
    let points;
    try {
      const loaded = await Promise.all([getJson('/api/info'), getJson('/api/points')]);
      info = loaded[0];
      points = loaded[1];
    } catch (error) {
      showError(error);
      return;
    }
    state.info = info;
    state.points = points;
    state.d = info.latent_dim;
    state.current = new Array(state.d).fill(0);
    showModelInfo();
    buildLegend();
    setUpPosteriorNote();
    setUpLabelControl();
    setUpPlane();
    setUpViewControls();
    buildSliders();
    syncSliders();
    showCurrentVector();
    setUpDrawing();
    setStatus('');
    refreshDecoded();
    schedulePreviews();
  }

  document.addEventListener('DOMContentLoaded', function () {
    start().catch(showError);
  });
})();
