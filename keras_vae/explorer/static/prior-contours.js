/*
 * keras-vae explore, prior-contours.js: a VampPrior's density on the plane.
 *
 * The prior is an equal-weight mixture of diagonal Gaussians (the server's
 * `prior_mixture`). Any linear view of it is again a mixture of Gaussians,
 * so its density over the plane's two coordinates (the marginal, not a
 * slice) is exact: each component projects to a 2-D Gaussian. The contour
 * levels are the densities that enclose 39%, 86% and 99% of the mixture's
 * mass, the masses of the 1, 2 and 3 sigma circles of a 2-D Gaussian: the
 * quantiles of p(z) over draws z from p itself, so they do not depend on
 * how much of the mixture the view shows. The lines are traced by marching
 * squares on a grid over the view. With one latent dim the "plane" is a
 * line: the levels enclose 68%, 95% and 99.7%, the masses within 1, 2 and
 * 3 sigma of a 1-D Gaussian, and are marked where the density crosses them.
 */
import { state } from './state.js';
import { project } from './projection.js';

// The mass within k = 1, 2, 3 sigma of a Gaussian: 1 - exp(-k^2 / 2) in
// two dimensions, erf(k / sqrt(2)) in one.
const PLANE_MASSES = [1, 2, 3].map(function (k) { return 1 - Math.exp(-k * k / 2); });
const LINE_MASSES = [0.6826894921, 0.9544997361, 0.9973002039];
const GRID = 128;           // grid nodes along each side of the view
const DRAWS = 10000;        // draws from the mixture for the levels
const SEED = 20180501;      // the same levels at every redraw of a view

/**
 * The contours for the current view and bounds, or null when the prior is
 * not a mixture. Returns {levels: densities, one per mass level, and
 * either segments: for each level a flat array of segment ends
 * [a0, b0, a1, b1, ...] in plane coordinates, or crossings: for each
 * level the coordinates where a one-dimensional density crosses it}.
 */
export function priorContours() {
  const mixture = state.points.prior_mixture;
  if (!mixture) return null;
  const components = planeComponents(mixture);
  const oneDim = state.d === 1 && state.view.mode !== 'pca';
  const density = oneDim ? lineDensity(components) : planeDensity(components);
  const levels = densityLevels(components, density, oneDim);
  const bounds = state.bounds;
  if (oneDim) {
    return { levels: levels, crossings: lineCrossings(density, bounds, levels) };
  }
  return { levels: levels, segments: marchingSquares(density, bounds, levels) };
}

/**
 * The box of plane coordinates holding each component's mean +- 3 of its
 * standard deviations along each axis, for the view's bounds to take in
 * the whole prior; null when the prior is not a mixture.
 */
export function priorExtent() {
  const mixture = state.points.prior_mixture;
  if (!mixture) return null;
  const extent = { xmin: Infinity, xmax: -Infinity, ymin: Infinity, ymax: -Infinity };
  planeComponents(mixture).forEach(function (c) {
    const da = 3 * Math.sqrt(c.saa);
    const db = 3 * Math.sqrt(c.sbb);
    extent.xmin = Math.min(extent.xmin, c.a - da);
    extent.xmax = Math.max(extent.xmax, c.a + da);
    extent.ymin = Math.min(extent.ymin, c.b - db);
    extent.ymax = Math.max(extent.ymax, c.b + db);
  });
  return extent;
}

/** Each component's mean and covariance in plane coordinates. */
function planeComponents(mixture) {
  const view = state.view;
  const pca = state.points.pca;
  return mixture.means.map(function (mean, k) {
    const variances = mixture.log_vars[k].map(Math.exp);
    const centre = project(mean);
    let saa = 0;
    let sab = 0;
    let sbb = 0;
    if (view.mode === 'pca') {
      const c0 = pca.components[0];
      const c1 = pca.components[1];
      for (let j = 0; j < variances.length; j++) {
        saa += c0[j] * c0[j] * variances[j];
        sab += c0[j] * c1[j] * variances[j];
        sbb += c1[j] * c1[j] * variances[j];
      }
    } else {
      saa = variances[view.dx];
      sbb = view.dy >= 0 ? variances[view.dy] : 0;
    }
    return { a: centre[0], b: centre[1], saa: saa, sab: sab, sbb: sbb };
  });
}

/** The mixture's density over the plane, as a function of (a, b). */
function planeDensity(components) {
  const terms = components.map(function (c) {
    const det = c.saa * c.sbb - c.sab * c.sab;
    return {
      a: c.a, b: c.b,
      // The inverse covariance, halved, and the normalising constant.
      iaa: c.sbb / (2 * det), iab: -c.sab / det, ibb: c.saa / (2 * det),
      scale: 1 / (components.length * 2 * Math.PI * Math.sqrt(det)),
    };
  });
  return function (a, b) {
    let total = 0;
    for (let k = 0; k < terms.length; k++) {
      const t = terms[k];
      const da = a - t.a;
      const db = b - t.b;
      total += t.scale * Math.exp(-(t.iaa * da * da + t.iab * da * db + t.ibb * db * db));
    }
    return total;
  };
}

/** The mixture's density along the line of a one-dimensional latent. */
function lineDensity(components) {
  const terms = components.map(function (c) {
    return { a: c.a, half: 1 / (2 * c.saa), scale: 1 / (components.length * Math.sqrt(2 * Math.PI * c.saa)) };
  });
  return function (a) {
    let total = 0;
    for (let k = 0; k < terms.length; k++) {
      const da = a - terms[k].a;
      total += terms[k].scale * Math.exp(-terms[k].half * da * da);
    }
    return total;
  };
}

/** The densities above which the mixture holds each mass level. */
function densityLevels(components, density, oneDim) {
  const random = seededUniform(SEED);
  const values = new Float64Array(DRAWS);
  for (let i = 0; i < DRAWS; i++) {
    const c = components[Math.floor(random() * components.length)];
    // A draw from the component: its covariance's Cholesky factor times
    // two standard normals (Box-Muller).
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    const e0 = radius * Math.cos(angle);
    const e1 = radius * Math.sin(angle);
    const l00 = Math.sqrt(c.saa);
    const l10 = c.sab / l00;
    const l11 = Math.sqrt(Math.max(c.sbb - l10 * l10, 0));
    const a = c.a + l00 * e0;
    values[i] = oneDim ? density(a) : density(a, c.b + l10 * e0 + l11 * e1);
  }
  values.sort();
  return (oneDim ? LINE_MASSES : PLANE_MASSES).map(function (mass) {
    return values[Math.floor((1 - mass) * DRAWS)];
  });
}

/** Mulberry32: a small seeded generator of uniforms in [0, 1). */
function seededUniform(seed) {
  let s = seed >>> 0;
  return function () {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Grid node coordinates spanning [low, high]. */
function gridNodes(low, high) {
  const nodes = new Float64Array(GRID);
  for (let i = 0; i < GRID; i++) nodes[i] = low + (high - low) * i / (GRID - 1);
  return nodes;
}

/** Contour segments of `density` at each level, over the view's grid. */
function marchingSquares(density, bounds, levels) {
  const xs = gridNodes(bounds.xmin, bounds.xmax);
  const ys = gridNodes(bounds.ymin, bounds.ymax);
  const values = new Float64Array(GRID * GRID);
  for (let j = 0; j < GRID; j++) {
    for (let i = 0; i < GRID; i++) values[j * GRID + i] = density(xs[i], ys[j]);
  }
  return levels.map(function (level) {
    const segments = [];
    for (let j = 0; j + 1 < GRID; j++) {
      for (let i = 0; i + 1 < GRID; i++) {
        addCellSegments(segments, values, i, j, xs, ys, level);
      }
    }
    return segments;
  });
}

// A cell's corners, counter-clockwise from (i, j), and its edges: edge e
// joins corner e and corner (e + 1) % 4 (bottom, right, top, left).
const CORNERS = [[0, 0], [1, 0], [1, 1], [0, 1]];

function addCellSegments(segments, values, i, j, xs, ys, level) {
  const f = CORNERS.map(function (c) { return values[(j + c[1]) * GRID + i + c[0]]; });
  const crossed = [];
  for (let e = 0; e < 4; e++) {
    if ((f[e] > level) !== (f[(e + 1) % 4] > level)) crossed.push(e);
  }
  if (crossed.length === 0) return;
  function point(e) {
    const p = CORNERS[e];
    const q = CORNERS[(e + 1) % 4];
    const t = (level - f[e]) / (f[(e + 1) % 4] - f[e]);
    return [
      xs[i + p[0]] + t * (xs[i + q[0]] - xs[i + p[0]]),
      ys[j + p[1]] + t * (ys[j + q[1]] - ys[j + p[1]]),
    ];
  }
  let pairs = [[crossed[0], crossed[1]]];
  if (crossed.length === 4) {
    // A saddle: opposite corners are above the level. The cell's mean
    // says whether those corners join (cut off the other two) or not.
    const centreAbove = (f[0] + f[1] + f[2] + f[3]) / 4 > level;
    const corner0Above = f[0] > level;
    pairs = centreAbove === corner0Above ? [[0, 1], [2, 3]] : [[3, 0], [1, 2]];
  }
  pairs.forEach(function (pair) {
    const p = point(pair[0]);
    const q = point(pair[1]);
    segments.push(p[0], p[1], q[0], q[1]);
  });
}

/** Where a one-dimensional density crosses each level, along the view. */
function lineCrossings(density, bounds, levels) {
  const xs = gridNodes(bounds.xmin, bounds.xmax);
  const values = Array.from(xs, function (x) { return density(x); });
  return levels.map(function (level) {
    const crossings = [];
    for (let i = 0; i + 1 < GRID; i++) {
      if ((values[i] > level) !== (values[i + 1] > level)) {
        const t = (level - values[i]) / (values[i + 1] - values[i]);
        crossings.push(xs[i] + t * (xs[i + 1] - xs[i]));
      }
    }
    return crossings;
  });
}
