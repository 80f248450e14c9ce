/*
 * keras-vae explore: the browser side of the latent-space explorer.
 *
 * Plain ES2017 modules, no dependencies and no build step. Everything talks
 * to the same-origin API:
 *   GET  /api/info, /api/points, /api/decode?z=..., /api/example?index=i
 *   POST /api/decode {z: [[...]], label}, /api/encode {pixels: [...], label}
 *
 * The page keeps one "current point" z (a full latent vector). The sliders
 * show it, the plane marks it, and #decoded shows its decoding, except while
 * the mouse hovers the plane, when #decoded previews the hovered position.
 *
 * This file is the entry point (index.html loads it as a module): the
 * view, label and note controls, and start-up. The other modules, all
 * beside it in static/:
 *   state.js          constants, the shared `state` and `els`, small helpers
 *   api.js            the HTTP API client and `latestOnly`
 *   current.js        the current point and the live decode into #decoded
 *   projection.js     latent vector <-> plane coordinates <-> pixels
 *   plane.js          drawing the plane
 *   prior-contours.js a VampPrior's density contours on the plane
 *   plane-input.js    the pointer on the plane, selecting a test point
 *   sliders.js        the sliders and their preview strips
 *   interpolation.js  interpolating between two picked points
 *   draw.js           the drawing canvas and encoding it
 * They share the `state` and `els` objects of state.js by changing their
 * properties; a module-level `let` lives in the one module that assigns
 * it. Some modules import each other in cycles: while loading, a module
 * calls nothing of a module in a cycle with it (the `latestOnly` wrappers
 * come from api.js, which imports only state.js); everything else runs
 * from `start()` below, once every module has loaded.
 */
import { $, PLANE_SIZE, colourFor, els, setStatus, showError, state } from './state.js';
import { getJson } from './api.js';
import { refreshDecoded, setUpDecoded, showCurrentVector } from './current.js';
import { computeBounds, projectAllPoints } from './projection.js';
import { renderScatterLayer, requestRedraw, setUpCanvas } from './plane.js';
import { priorContours, priorExtent } from './prior-contours.js';
import {
  onPlanePointerCancel, onPlanePointerDown, onPlanePointerLeave,
  onPlanePointerMove, onPlanePointerUp,
} from './plane-input.js';
import { buildSliders, schedulePreviews, syncSliders } from './sliders.js';
import { onInterpolateButton, scheduleInterpolation } from './interpolation.js';
import { setUpDrawing } from './draw.js';

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
  computeBounds(priorExtent());
  state.priorContours = priorContours();
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

/** Says under the plane which layer it shows and what of the prior is drawn. */
function setUpPlaneNotes() {
  const layer = state.info.latent_layer;
  els.layerNote.textContent = layer ? layer.note : '';
  els.layerNote.hidden = !layer;
  els.priorNote.textContent = state.info.prior.note;
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
  if (info.latent_layer) parts.push('plane: ' + info.latent_layer.summary);
  parts.push('prior: ' + info.prior.description);
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
    posteriorNote: 'posterior-note', layerNote: 'layer-note', priorNote: 'prior-note',
    sliders: 'sliders', interpolation: 'interpolation',
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
  els.plane.addEventListener('pointercancel', onPlanePointerCancel);
  els.plane.addEventListener('pointerleave', onPlanePointerLeave);
  els.interpolateMode.addEventListener('click', onInterpolateButton);
}

async function start() {
  findElements();
  setUpDecoded();
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
  setUpPlaneNotes();
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
