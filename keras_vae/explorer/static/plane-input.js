/*
 * keras-vae explore, plane-input.js: the pointer on the plane (hover to
 * preview, drag to move the current point, click to select a test point or
 * pick an interpolation endpoint) and selecting a test point.
 */
import {
  DRAG_THRESHOLD, PLANE_MARGIN, PLANE_SIZE, els, showError, state,
} from './state.js';
import { getJson } from './api.js';
import { refreshDecoded, requestDecode, setCurrent } from './current.js';
import { nearestPoint, zAtPixel } from './projection.js';
import { requestRedraw } from './plane.js';
import { addEndpoint } from './interpolation.js';

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

export function onPlanePointerDown(event) {
  if (event.button !== 0) return;
  const pos = planePosition(event);
  press = { x: pos.x, y: pos.y, dragging: false };
  els.plane.setPointerCapture(event.pointerId);
  event.preventDefault();
}

export function onPlanePointerMove(event) {
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

export function onPlanePointerUp(event) {
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

export function onPlanePointerLeave() {
  if (press) return;
  if (state.hover) {
    state.hover = null;
    refreshDecoded();
    requestRedraw();
  }
}

export function onPlanePointerCancel() {
  press = null;
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

let exampleTicket = 0;     // ignores example answers that came too late

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
