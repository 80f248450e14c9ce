/*
 * keras-vae explore, current.js: the current point and the live decode
 * into #decoded. `setCurrent` is the one way to move the current point:
 * the sliders, the plane, #decoded and the previews follow it.
 */
import { els, formatNumber, sameVector, setStatus, state } from './state.js';
import { apiFetch, decodeUrl, latestOnly } from './api.js';
import { zAtPixel } from './projection.js';
import { requestRedraw } from './plane.js';
import { schedulePreviews, syncSliders } from './sliders.js';

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

/** Points the live decode at #decoded; `start` calls it once, first. */
export function setUpDecoded() {
  showDecoded = blobImageSetter(els.decoded);
}

async function decodeIntoMain(job) {
  try {
    const blob = await (await apiFetch(decodeUrl(job.z, job.label))).blob();
    await showDecoded(blob);
  } finally {
    markReady();
  }
}

const scheduleLiveDecode = latestOnly(decodeIntoMain);

export function requestDecode(z) {
  scheduleLiveDecode({ z: z.slice(), label: state.label });
}

/** Decodes what #decoded should show: the hovered position or the current point. */
export function refreshDecoded() {
  requestDecode(state.hover ? zAtPixel(state.hover) : state.current);
}

function markReady() {
  if (state.ready) return;
  state.ready = true;
  document.body.dataset.ready = 'true';
}

// ---- The current point -------------------------------------------------

/** Makes z the current point: sliders, plane, #decoded and previews follow. */
export function setCurrent(z) {
  if (sameVector(z, state.current)) return false;
  state.current = z.slice();
  syncSliders();
  showCurrentVector();
  requestRedraw();
  refreshDecoded();
  schedulePreviews();
  return true;
}

export function showCurrentVector() {
  const shown = state.current.slice(0, 8).map(function (v) { return formatNumber(v, 3); });
  const more = state.d > 8 ? ', … (' + state.d + ' dims)' : '';
  els.currentZ.textContent = 'z = [' + shown.join(', ') + more + ']';
}
