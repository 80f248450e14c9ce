/*
 * keras-vae explore, sliders.js: one slider per latent dim, the preview
 * strips of decodings along each dim, and keeping both in step with the
 * current point.
 */
import {
  $, MAX_BATCH_ROWS, MAX_PREVIEWS_PER_DIM, PREVIEW_DEBOUNCE_MS, PREVIEW_RANGE,
  els, formatNumber, linspace, state,
} from './state.js';
import { decodeBatch, latestOnly } from './api.js';
import { setCurrent } from './current.js';

// ---- Sliders -----------------------------------------------------------

let previewTimer = null;

export function buildSliders() {
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

export function syncSliders() {
  for (let i = 0; i < state.d; i++) {
    const slider = $('slider-' + i);
    const text = formatNumber(state.current[i], 3);
    // Setting an equal value would still move the thumb while dragging.
    if (Number(slider.value) !== state.current[i]) slider.value = String(state.current[i]);
    $('slider-value-' + i).textContent = text;
  }
}

export function schedulePreviews() {
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
