/*
 * keras-vae explore, projection.js: the maps between latent vectors, plane
 * coordinates (the current view: two latent dims or the first two
 * principal components) and canvas pixels, and hit-testing test points.
 */
import { HIT_RADIUS, PLANE_MARGIN, PLANE_SIZE, PRIOR_EXTENT, state } from './state.js';

// ---- Projection between latent space and the plane --------------------

/** Plane coordinates (a, b) of latent vector z in the current view. */
export function project(z) {
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
export function posteriorSigmas(logVar) {
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

export function projectAllPoints() {
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
 * Square bounds covering the data, at least [-4, 4] around z = 0 (the
 * centre of the N(0, I) contours), and `extra` ({xmin, xmax, ymin, ymax},
 * a mixture prior's extent) when given; square, so that circles stay
 * circles.
 */
export function computeBounds(extra) {
  const centre = project(new Array(state.d).fill(0));
  let xmin = centre[0] - PRIOR_EXTENT;
  let xmax = centre[0] + PRIOR_EXTENT;
  let ymin = centre[1] - PRIOR_EXTENT;
  let ymax = centre[1] + PRIOR_EXTENT;
  if (extra) {
    xmin = Math.min(xmin, extra.xmin);
    xmax = Math.max(xmax, extra.xmax);
    ymin = Math.min(ymin, extra.ymin);
    ymax = Math.max(ymax, extra.ymax);
  }
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

export function pixelsPerUnit() {
  return (PLANE_SIZE - 2 * PLANE_MARGIN) / (state.bounds.xmax - state.bounds.xmin);
}

export function toPixel(a, b) {
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

export function zAtPixel(pos) {
  const ab = fromPixel(pos.x, pos.y);
  return zFromPlane(ab[0], ab[1]);
}

/** Index of the test point nearest to pixel `pos`, or null if none is within reach. */
export function nearestPoint(pos) {
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
