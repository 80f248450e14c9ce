/*
 * keras-vae explore, interpolation.js: picking two endpoints and decoding
 * the straight line between them into the #interpolation strip.
 */
import {
  INTERPOLATION_STEPS, els, formatNumber, linspace, setStatus, state,
} from './state.js';
import { decodeBatch, latestOnly } from './api.js';
import { requestRedraw } from './plane.js';

// ---- Interpolation -----------------------------------------------------

export function onInterpolateButton() {
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

export function addEndpoint(z) {
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

export const scheduleInterpolation = latestOnly(async function () {
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
