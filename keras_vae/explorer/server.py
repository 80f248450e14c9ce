"""The explorer's HTTP server: the page, its static files and the JSON/PNG API.

Built on the standard library's `ThreadingHTTPServer`: one page and a few
small requests need no web framework, and nothing is added to install.

Routes:

- `GET /`: the page; `GET /static/NAME`: its files, from the package only.
- `GET /api/info`, `GET /api/points`: JSON, see `LatentSpace.info/points`.
- `GET /api/decode?z=v1,...,vd[&label=k]`: the decoded mean as `image/png`.
- `POST /api/decode` `{"z": [[...], ...], "label": k}`: JSON
  `{"images": [data URL, ...]}`, one batch.
- `POST /api/encode` `{"pixels": [...], "label": k}`: JSON `z_mean`,
  `z_log_var`, `reconstruction`.
- `GET /api/example?index=i`: JSON original, reconstruction, posterior.

A bad request gets status 400 and `{"error": "..."}`; an unknown path 404.
No request ends in a traceback, and the server keeps serving.
"""

import http.server
import json
import pathlib
import urllib.parse

from keras_vae.explorer.latent_space import RequestError
from keras_vae.explorer.latent_space import data_url

STATIC_DIR = pathlib.Path(__file__).resolve().parent / "static"
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# A drawn or uploaded image of 64x64x3 floats is about 200 kB of JSON.
MAX_BODY_BYTES = 2_000_000
MAX_QUERY_CHARS = 20_000


def make_server(space, host="127.0.0.1", port=8000):
    """An HTTP server for `space`, bound but not yet serving.

    Args:
        space: a `LatentSpace`.
        host: the interface to bind: `"127.0.0.1"` (the default) serves this
            machine only.
        port: the port; 0 picks a free one.

    Returns:
        A `http.server.ThreadingHTTPServer`: call `serve_forever()`, and
        `shutdown()` from another thread to stop it. Its
        `server_address` holds the bound host and port.

    Example:

    ```python
    server = make_server(LatentSpace(vae, x_test[:1000], y_test[:1000]))
    server.serve_forever()
    ```
    """
    handler = type("Handler", (ExplorerHandler,), {"space": space})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


class ExplorerHandler(http.server.BaseHTTPRequestHandler):
    """Serves one request of the explorer; `space` is set by `make_server`."""

    space = None
    server_version = "keras-vae-explore"

    def do_GET(self):
        self._respond(self._get)

    def do_POST(self):
        self._respond(self._post)

    def log_message(self, format, *args):
        # One line per request on stderr is noise in a terminal that shows
        # the URL; errors are answered to the page instead.
        pass

    def _respond(self, route):
        try:
            status, content_type, body = route()
        except RequestError as error:
            status, content_type, body = _json(400, {"error": str(error)})
        except NotFound as error:
            status, content_type, body = _json(404, {"error": str(error)})
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _get(self):
        path, query = self._path_and_query()
        if path == "/":
            return _static("index.html")
        if path.startswith("/static/"):
            return _static(path[len("/static/") :])
        if path == "/api/info":
            return _json(200, self.space.info())
        if path == "/api/points":
            return _json(200, self.space.points())
        if path == "/api/decode":
            z = [_floats(_required(query, "z"), "z")]
            png = self.space.decode_png(z, _optional_label(query))[0]
            return 200, "image/png", png
        if path == "/api/example":
            return _json(200, self.space.example(_index(query)))
        raise NotFound(f"No such page: {path}")

    def _post(self):
        path, _ = self._path_and_query()
        if path not in ("/api/decode", "/api/encode"):
            raise NotFound(f"No such API: POST {path}")
        body = self._json_body()
        label = body.get("label")
        if path == "/api/decode":
            images = self.space.decode(_required_field(body, "z"), label)
            return _json(200, {"images": [data_url(image) for image in images]})
        return _json(
            200, self.space.encode(_required_field(body, "pixels"), label)
        )

    def _path_and_query(self):
        if len(self.path) > MAX_QUERY_CHARS:
            raise RequestError(
                f"The URL is longer than {MAX_QUERY_CHARS} characters."
            )
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        return urllib.parse.unquote(parsed.path), query

    def _json_body(self):
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise RequestError("A POST needs a Content-Length header.")
        if int(length) > MAX_BODY_BYTES:
            raise RequestError(
                f"The body is larger than {MAX_BODY_BYTES} bytes. Received: "
                f"{length}"
            )
        raw = self.rfile.read(int(length))
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RequestError(f"The body is not JSON: {error}") from None
        if not isinstance(body, dict):
            raise RequestError("The body must be a JSON object.")
        return body


class NotFound(LookupError):
    """A path the explorer does not serve."""


def _static(name):
    """A file of the package's `static/` folder; anything that resolves
    outside it (`..`, absolute paths, encoded variants) is not found."""
    try:
        path = (STATIC_DIR / name).resolve()
    except (OSError, ValueError):  # e.g. an encoded NUL byte
        raise NotFound(f"No such file: /static/{name!r}") from None
    if (
        STATIC_DIR not in path.parents
        or path.suffix not in STATIC_TYPES
        or not path.is_file()
    ):
        raise NotFound(f"No such file: /static/{name}")
    return 200, STATIC_TYPES[path.suffix], path.read_bytes()


def _json(status, value):
    body = json.dumps(value, allow_nan=False).encode("utf-8")
    return status, "application/json", body


def _required(query, name):
    values = query.get(name)
    if not values or not values[0]:
        raise RequestError(f"Missing query parameter {name!r}.")
    if len(values) > 1:
        raise RequestError(f"Give the query parameter {name!r} once.")
    return values[0]


def _required_field(body, name):
    if name not in body:
        raise RequestError(f"Missing field {name!r} in the JSON body.")
    return body[name]


def _floats(text, name):
    values = []
    for item in text.split(","):
        try:
            values.append(float(item))
        except ValueError:
            raise RequestError(
                f"{name} must be comma-separated numbers. Received: "
                f"{item[:40]!r}"
            ) from None
    return values


def _integer(text, name):
    try:
        return int(text)
    except ValueError:
        raise RequestError(
            f"{name} must be an integer. Received: {text[:40]!r}"
        ) from None


def _optional_label(query):
    if "label" not in query:
        return None
    return _integer(_required(query, "label"), "label")


def _index(query):
    return _integer(_required(query, "index"), "index")
