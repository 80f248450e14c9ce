/*
 * keras-vae explore, api.js: the client of the same-origin HTTP API
 * (fetches that turn a failed request into an Error carrying the server's
 * message, the decode URL and batch decode) and `latestOnly`, which keeps
 * at most one request of a kind in flight.
 */
import { formatNumber, showError, state } from './state.js';

/**
 * Wraps an async task so that at most one run is in flight. Calls made
 * while it runs are collapsed: only the latest arguments run next.
 */
export function latestOnly(task) {
  let running = false;
  let hasPending = false;
  let pending = null;
  async function pump() {
    running = true;
    while (hasPending) {
      const args = pending;
      hasPending = false;
      pending = null;
      try {
        await task(args);
      } catch (error) {
        showError(error);
      }
    }
    running = false;
  }
  return function schedule(args) {
    pending = args;
    hasPending = true;
    if (!running) pump();
  };
}

// ---- API ---------------------------------------------------------------

/** Fetches `url`; a failed request becomes an Error with the server's message. */
export async function apiFetch(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    throw new Error('Network error: ' + error.message);
  }
  if (!response.ok) throw new Error(await errorMessage(response));
  return response;
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body && body.error) return body.error;
  } catch (ignored) {
    // Not JSON: fall through to the status code.
  }
  return 'Request failed: HTTP ' + response.status;
}

export async function getJson(url) {
  return (await apiFetch(url)).json();
}

export async function postJson(url, body) {
  const response = await apiFetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

export function decodeUrl(z, label) {
  const values = z.map(function (v) { return encodeURIComponent(formatNumber(v)); });
  let url = '/api/decode?z=' + values.join(',');
  if (label !== null && label !== undefined) url += '&label=' + label;
  return url;
}

/** Decodes many latent vectors in one POST; returns their data URLs. */
export async function decodeBatch(rows) {
  const result = await postJson('/api/decode', { z: rows, label: state.label });
  return result.images;
}
