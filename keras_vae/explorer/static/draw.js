/*
 * keras-vae explore, draw.js: the drawing canvas and encoding a drawing:
 * its posterior is shown on the plane and its mean becomes the current
 * point.
 */
import { BRUSH_WIDTH, els, showError, state } from './state.js';
import { postJson } from './api.js';
import { setCurrent } from './current.js';
import { requestRedraw } from './plane.js';

// ---- Drawing and encoding ---------------------------------------------

let drawCtx = null;
let lastStroke = null;   // the previous brush position while drawing
let encodeTicket = 0;    // ignores encode answers that came too late

export function setUpDrawing() {
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
