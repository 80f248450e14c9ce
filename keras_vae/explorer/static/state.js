/*
 * keras-vae explore, state.js: the constants, the page's shared `state`
 * and `els` objects, and small helpers every module uses.
 *
 * Other modules import `state` and `els` and change their properties; the
 * objects themselves are never replaced. This module imports nothing.
 */

// ---- Constants ---------------------------------------------------------

const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];
const UNLABELLED_COLOUR = '#8a8a8a';
export const PLANE_SIZE = 520;        // CSS pixels, the canvas is square
export const PLANE_MARGIN = 32;       // room for the tick labels
export const PRIOR_EXTENT = 4;        // the axes show at least [-4, 4] around z = 0
export const HIT_RADIUS = 6;          // CSS pixels for clicking a test point
export const DRAG_THRESHOLD = 3;      // CSS pixels before a press becomes a drag
export const POINT_SIZE = 3;
export const INTERPOLATION_STEPS = 10;
export const MAX_BATCH_ROWS = 256;    // the server's limit for POST /api/decode
export const MAX_PREVIEWS_PER_DIM = 5;
export const PREVIEW_RANGE = 3;       // previews span [-3, 3] along each dim
export const PREVIEW_DEBOUNCE_MS = 250;
export const BRUSH_WIDTH = 18;

// ---- State -------------------------------------------------------------

export const state = {
  info: null,
  points: null,
  d: 0,
  view: { mode: 'dims', dx: 0, dy: 1 },  // dy is -1 when d == 1
  projected: null,       // Float64Array of plane coordinates, 2 per point
  bounds: null,          // {xmin, xmax, ymin, ymax} in plane coordinates
  priorContours: null,   // prior-contours.js's lines for this view, or null
  current: [],           // the current latent point
  hover: null,           // {x, y} pixel position previewed on the plane
  posterior: null,       // {z_mean, z_log_var} of the selected code
  endpoints: [],         // latent vectors picked for interpolation
  picking: false,        // interpolation mode: clicks pick endpoints
  label: null,           // ConditionalVAE label, null otherwise
  previewValues: [],     // slider preview positions along each dim
  ready: false,
};
export const els = {};

// ---- Small helpers -----------------------------------------------------

export function $(id) {
  return document.getElementById(id);
}

export function setStatus(message, isError) {
  els.status.textContent = message || '';
  els.status.classList.toggle('error', Boolean(isError));
}

export function showError(error) {
  setStatus(error && error.message ? error.message : String(error), true);
}

export function colourFor(label) {
  if (label === null || label === undefined) return UNLABELLED_COLOUR;
  return PALETTE[((label % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** A short, exact-enough text form of a float for URLs and labels. */
export function formatNumber(value, digits) {
  if (!Number.isFinite(value)) return '0';
  return String(Number(value.toPrecision(digits || 6)));
}

export function sameVector(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > 1e-9) return false;
  }
  return true;
}

export function linspace(start, stop, count) {
  if (count === 1) return [(start + stop) / 2];
  const values = [];
  for (let k = 0; k < count; k++) values.push(start + (stop - start) * k / (count - 1));
  return values;
}
