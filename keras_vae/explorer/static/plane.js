/*
 * keras-vae explore, plane.js: drawing the latent plane: the point cloud
 * (rendered once per view into an offscreen layer), axes, the prior's
 * contours (N(0, I)'s circles, or a VampPrior's from prior-contours.js),
 * the selected posterior, interpolation endpoints, the current point and
 * the hover cross-hair. Owns the scatter layer and the redraw queue.
 */
import {
  PLANE_MARGIN, PLANE_SIZE, POINT_SIZE, colourFor, els, formatNumber, state,
} from './state.js';
import { pixelsPerUnit, posteriorSigmas, project, toPixel } from './projection.js';

// ---- Drawing the plane -------------------------------------------------

let scatterLayer = null;   // offscreen canvas holding the point cloud
let redrawQueued = false;

/** Sizes a canvas for the device pixel ratio; returns its context in CSS pixels. */
export function setUpCanvas(canvas, size) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(size * ratio);
  canvas.height = Math.round(size * ratio);
  canvas.style.width = size + 'px';
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/** Renders the point cloud once per view into an offscreen canvas. */
export function renderScatterLayer() {
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

export function requestRedraw() {
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

/**
 * The prior's density: N(0, I) at 1, 2 and 3 standard deviations, when the
 * server says that is the prior (or what an autoencoder samples); a
 * VampPrior's mixture at the levels of prior-contours.js; nothing for other
 * priors, and #prior-note says so. data-prior-contours on the canvas says
 * which, and data-prior-levels how many segments (or crossings) each level
 * has, for scripts and tests that cannot read the picture.
 */
function drawPriorContours(ctx) {
  const drawn = state.info.prior.contours;
  ctx.canvas.dataset.priorContours = drawn || 'none';
  delete ctx.canvas.dataset.priorLevels;
  if (drawn === 'mixture') {
    drawMixtureContours(ctx, state.priorContours);
    return;
  }
  if (!drawn) return;
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
      drawTick(ctx, px.x - k * scale, px.y);
      drawTick(ctx, px.x + k * scale, px.y);
    } else {
      ctx.arc(px.x, px.y, k * scale, 0, 2 * Math.PI);
    }
    ctx.stroke();
    ctx.fillText(k + 'σ', px.x + k * scale * Math.SQRT1_2 + 2, px.y - k * scale * Math.SQRT1_2);
  }
  ctx.restore();
}

function drawTick(ctx, x, y) {
  ctx.moveTo(x, y - 6);
  ctx.lineTo(x, y + 6);
}

// Grey of each level of a mixture's contours: darker encloses less mass.
const MIXTURE_LEVEL_COLOURS = ['#555555', '#888888', '#b5b5b5'];

function drawMixtureContours(ctx, contours) {
  const axis = toPixel(0, 0).y;
  const counts = [];
  ctx.save();
  ctx.lineWidth = 1.2;
  contours.levels.forEach(function (level, index) {
    ctx.strokeStyle = MIXTURE_LEVEL_COLOURS[index];
    ctx.beginPath();
    if (contours.crossings) {
      const crossings = contours.crossings[index];
      crossings.forEach(function (a) { drawTick(ctx, toPixel(a, 0).x, axis); });
      counts.push(crossings.length);
    } else {
      const s = contours.segments[index];
      for (let i = 0; i < s.length; i += 4) {
        const p = toPixel(s[i], s[i + 1]);
        const q = toPixel(s[i + 2], s[i + 3]);
        ctx.moveTo(p.x, p.y);
        ctx.lineTo(q.x, q.y);
      }
      counts.push(s.length / 4);
    }
    ctx.stroke();
  });
  ctx.restore();
  ctx.canvas.dataset.priorLevels = counts.join(',');
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
