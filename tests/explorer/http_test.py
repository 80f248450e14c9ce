"""The explorer's HTTP API: answers, bad requests, static files, threads."""

import concurrent.futures
import http.client
import io
import json
import re
import socket
import threading
import urllib.parse

import hypothesis
import keras
import numpy as np
import pytest
from hypothesis import strategies as st
from PIL import Image

import keras_vae
from keras_vae.explorer import LatentSpace
from keras_vae.explorer import make_server
from keras_vae.explorer.server import STATIC_DIR
from keras_vae.explorer.server import STATIC_TYPES
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae

NUM_POINTS = 40
# The specifier of each static `import ... from '...'` of a module script.
MODULE_IMPORT = re.compile(r"^import\b[^;]*?\bfrom\s+'([^']*)';", re.M)


def serve(model, x, labels):
    server = make_server(
        LatentSpace(model, x, labels, dataset="synthetic"), port=0
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(NUM_POINTS)


@pytest.fixture(scope="module")
def server(digits):
    x, y = digits
    server = serve(tiny_vae(latent_dim=2), x, y)
    yield server
    server.shutdown()
    server.server_close()


def request(server, method, path, body=None, headers=None):
    """`(status, content type, body bytes)` of one request."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    result = (
        response.status,
        response.getheader("Content-Type"),
        response.read(),
    )
    connection.close()
    return result


def get_json(server, path):
    status, content_type, body = request(server, "GET", path)
    assert content_type == "application/json"
    return status, json.loads(body)


def post_json(server, path, value):
    body = json.dumps(value).encode()
    status, content_type, raw = request(
        server, "POST", path, body, {"Content-Type": "application/json"}
    )
    assert content_type == "application/json"
    return status, json.loads(raw)


def png_pixels(data):
    return np.asarray(Image.open(io.BytesIO(data)))


def test_the_server_binds_the_loopback_interface_by_default(server):
    assert server.server_address[0] == "127.0.0.1"


def test_info_and_points_describe_the_model_and_its_encoded_test_set(
    server, digits
):
    status, info = get_json(server, "/api/info")
    assert status == 200
    assert info["model"] == "VAE"
    assert info["latent_dim"] == 2
    assert info["data_shape"] == [28, 28, 1]
    assert info["has_posterior"] and info["can_draw"]
    assert info["num_classes"] is None
    status, points = get_json(server, "/api/points")
    assert status == 200
    z_mean, z_log_var = server.RequestHandlerClass.space.model.encode(digits[0])
    np.testing.assert_allclose(points["z_mean"], z_mean, atol=1e-4)
    np.testing.assert_allclose(points["z_log_var"], z_log_var, atol=1e-4)
    assert points["labels"] == digits[1].tolist()
    components = np.asarray(points["pca"]["components"])
    np.testing.assert_allclose(components @ components.T, np.eye(2), atol=1e-5)


def test_decode_returns_the_decoded_mean_as_png(server):
    status, content_type, body = request(server, "GET", "/api/decode?z=0.5,-1")
    assert status == 200 and content_type == "image/png"
    expected = server.RequestHandlerClass.space.model.decode(
        np.array([[0.5, -1.0]], "float32")
    )[0, ..., 0]
    pixels = png_pixels(body)
    assert pixels.shape == (28, 28)
    np.testing.assert_allclose(pixels / 255.0, expected, atol=1 / 255 + 1e-6)


def test_a_batch_decode_gives_one_image_per_point_in_order(server):
    z = [[0.0, 0.0], [2.0, -2.0], [0.0, 0.0]]
    status, result = post_json(server, "/api/decode", {"z": z})
    assert status == 200
    images = result["images"]
    assert len(images) == 3 and images[0] == images[2] != images[1]
    _, _, single = request(server, "GET", "/api/decode?z=2,-2")
    prefix = "data:image/png;base64,"
    import base64

    assert base64.b64decode(images[1][len(prefix) :]) == single


def test_encode_returns_the_posterior_and_reconstruction_of_pixels(
    server, digits
):
    image = digits[0][3]
    status, result = post_json(
        server, "/api/encode", {"pixels": image.reshape(-1).tolist()}
    )
    assert status == 200
    z_mean, z_log_var = server.RequestHandlerClass.space.model.encode(
        image[None]
    )
    np.testing.assert_allclose(result["z_mean"], z_mean[0], atol=1e-4)
    np.testing.assert_allclose(result["z_log_var"], z_log_var[0], atol=1e-4)
    assert result["reconstruction"].startswith("data:image/png;base64,")


def test_example_gives_the_original_and_posterior_of_a_test_point(
    server, digits
):
    status, result = get_json(server, "/api/example?index=5")
    assert status == 200
    assert result["index"] == 5 and result["label"] == int(digits[1][5])
    _, points = get_json(server, "/api/points")
    assert result["z_mean"] == points["z_mean"][5]


@pytest.mark.parametrize(
    "path, message",
    [
        ("/api/decode", "Missing query parameter 'z'"),
        ("/api/decode?z=", "Missing query parameter 'z'"),
        ("/api/decode?z=1", "latent_dim=2"),
        ("/api/decode?z=1,2,3", "latent_dim=2"),
        ("/api/decode?z=1,abc", "comma-separated numbers"),
        ("/api/decode?z=nan,0", "finite"),
        ("/api/decode?z=inf,0", "finite"),
        ("/api/decode?z=1e6,0", "within"),
        ("/api/decode?z=0,0&z=1,1", "once"),
        ("/api/decode?z=0,0&label=3", "takes no label"),
        ("/api/example", "Missing query parameter 'index'"),
        ("/api/example?index=x", "must be an integer"),
        (f"/api/example?index={NUM_POINTS}", "must be an integer in"),
        ("/api/example?index=-1", "must be an integer in"),
    ],
)
def test_bad_queries_get_400_and_a_message(server, path, message):
    status, result = get_json(server, path)
    assert status == 400
    assert message in result["error"]


@pytest.mark.parametrize(
    "body, message",
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b"\xff\xfe", "not JSON"),
        (b"{}", "Missing field 'pixels'"),
        (json.dumps({"pixels": [0.5] * 10}).encode(), "784 numbers"),
        (json.dumps({"pixels": [2.0] * 784}).encode(), "[0, 1]"),
        (json.dumps({"pixels": ["a"] * 784}).encode(), "numbers"),
        (json.dumps({"pixels": [True] * 784}).encode(), "numbers"),
        (b'{"pixels": [NaN]}', "784 numbers"),
        (
            json.dumps({"pixels": [0.5] * 783 + [float("nan")]}).encode(),
            "finite",
        ),
    ],
)
def test_bad_encode_bodies_get_400_and_a_message(server, body, message):
    status, content_type, raw = request(server, "POST", "/api/encode", body)
    assert status == 400 and content_type == "application/json"
    assert message in json.loads(raw)["error"]


@pytest.mark.parametrize(
    "value, message",
    [
        ({}, "Missing field 'z'"),
        ({"z": []}, "non-empty list"),
        ({"z": [[0.0, 0.0]] * 257}, "At most 256"),
        ({"z": [[0.0]]}, "latent_dim=2"),
        ({"z": "0,0"}, "non-empty list"),
        ({"z": [[0.0, None]]}, "numbers"),
    ],
)
def test_bad_decode_bodies_get_400_and_a_message(server, value, message):
    status, result = post_json(server, "/api/decode", value)
    assert status == 400
    assert message in result["error"]


def test_oversized_and_unsized_bodies_are_refused_unread(server):
    status, _, raw = request(
        server, "POST", "/api/encode", None, {"Content-Length": "99999999"}
    )
    assert status == 400 and "larger than" in json.loads(raw)["error"]
    # http.client always sends a length: write the request by hand.
    with socket.create_connection(server.server_address[:2], timeout=60) as raw:
        raw.sendall(b"POST /api/encode HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = raw.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.0 400")
    assert b"Content-Length header" in answer


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/static/%2fetc%2fpasswd",
        "/static/../server.py",
        "/static/%00",
        "/static/",
        "/api/nothing",
    ],
)
def test_paths_outside_the_package_files_are_not_found(server, path):
    status, content_type, body = request(server, "GET", path)
    assert status == 404 and content_type == "application/json"
    assert b"root:" not in body and b"import" not in body


queries = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60
)


@hypothesis.given(z=queries, label=st.one_of(st.none(), queries))
@hypothesis.settings(deadline=None, max_examples=30)
def test_malformed_decode_queries_never_fail_the_server(server, z, label):
    query = {"z": z} if label is None else {"z": z, "label": label}
    path = "/api/decode?" + urllib.parse.urlencode(query)
    status, content_type, body = request(server, "GET", path)
    if status == 200:
        assert content_type == "image/png"
    else:
        assert status == 400
        assert json.loads(body)["error"]
    # Still serving.
    assert request(server, "GET", "/api/decode?z=0,0")[0] == 200


@hypothesis.given(
    body=st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | queries,
        lambda children: (
            st.lists(children, max_size=5)
            | st.dictionaries(
                st.sampled_from(["z", "pixels", "label"]), children
            )
        ),
        max_leaves=20,
    )
)
@hypothesis.settings(deadline=None, max_examples=30)
def test_malformed_post_bodies_get_400_not_a_crash(server, body):
    raw = json.dumps(body).encode()
    for path in ("/api/decode", "/api/encode"):
        status, content_type, answer = request(server, "POST", path, raw)
        assert status in (200, 400)
        assert content_type == "application/json"


def test_concurrent_requests_from_several_tabs_all_succeed(server):
    points = [[x / 4, -x / 4] for x in range(8)]

    def decode(point):
        query = ",".join(str(value) for value in point)
        return request(server, "GET", f"/api/decode?z={query}")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(decode, points * 4))
    assert all(status == 200 for status, _, _ in answers)
    # The same point decodes to the same image, whatever the interleaving.
    for index, (_, _, body) in enumerate(answers):
        assert body == answers[index % len(points)][2]


def test_the_page_and_its_files_come_from_the_package(server):
    status, content_type, body = request(server, "GET", "/")
    assert status == 200 and content_type.startswith("text/html")
    assert b'<script type="module" src="/static/explorer.js">' in body
    assert b'href="/static/explorer.css"' in body
    assert b"http://" not in body and b"https://" not in body
    files = sorted(STATIC_DIR.iterdir())
    assert {"index.html", "explorer.js", "explorer.css"} <= {
        file.name for file in files
    }
    for file in files:
        status, content_type, served = request(
            server, "GET", f"/static/{file.name}"
        )
        assert status == 200 and served == file.read_bytes(), file.name
        assert content_type == STATIC_TYPES[file.suffix], file.name


def test_every_module_the_page_imports_is_served_as_javascript(server):
    # Browsers refuse a module script served without a JavaScript MIME
    # type; the page would load nothing. Follow the imports from the entry
    # point: each is a same-origin relative path, served as text/javascript.
    loaded, queue = set(), ["/static/explorer.js"]
    while queue:
        path = queue.pop()
        if path in loaded:
            continue
        loaded.add(path)
        status, content_type, body = request(server, "GET", path)
        assert status == 200, path
        assert content_type.split(";")[0] == "text/javascript", path
        text = body.decode("utf-8")
        assert "import(" not in text and "://" not in text, path
        for specifier in MODULE_IMPORT.findall(text):
            assert specifier.startswith("./"), (path, specifier)
            queue.append(urllib.parse.urljoin(path, specifier))
    # Every script of the static folder is one of the page's modules.
    assert loaded == {
        f"/static/{file.name}" for file in STATIC_DIR.glob("*.js")
    }


def test_a_conditional_vae_needs_a_label_for_each_decode(digits):
    x, y = digits
    keras.utils.set_random_seed(0)
    cvae = keras_vae.ConditionalVAE(
        keras_vae.build_mlp_encoder((28, 28, 1), 2, (16,), num_classes=10),
        keras_vae.build_mlp_decoder((28, 28, 1), 2, (16,), num_classes=10),
    )
    server = serve(cvae, x, y)
    try:
        assert get_json(server, "/api/info")[1]["num_classes"] == 10
        status, result = get_json(server, "/api/decode?z=0,0")
        assert status == 400 and "needs a label" in result["error"]
        for label in ("10", "-1"):
            status, _ = get_json(server, f"/api/decode?z=0,0&label={label}")
            assert status == 400
        _, _, three = request(server, "GET", "/api/decode?z=0,0&label=3")
        _, _, seven = request(server, "GET", "/api/decode?z=0,0&label=7")
        assert three != seven
        status, result = post_json(
            server,
            "/api/encode",
            {"pixels": x[0].reshape(-1).tolist(), "label": int(y[0])},
        )
        assert status == 200 and len(result["z_mean"]) == 2
    finally:
        server.shutdown()
        server.server_close()


def test_an_autoencoder_has_codes_and_says_why_there_is_no_posterior(digits):
    x, y = digits
    keras.utils.set_random_seed(0)
    autoencoder = keras_vae.Autoencoder(
        keras_vae.build_mlp_encoder((28, 28, 1), 2, (16,)),
        keras_vae.build_mlp_decoder((28, 28, 1), 2, (16,)),
    )
    server = serve(autoencoder, x, y)
    try:
        info = get_json(server, "/api/info")[1]
        assert not info["has_posterior"] and "autoencoder" in (
            info["posterior_note"].lower()
        )
        # No prior of its own: the page keeps the N(0, I) circles that
        # `sample()` draws from, and says why.
        assert info["prior"]["name"] is None
        assert info["prior"]["contours"] == "N(0, I)"
        assert "autoencoder has no prior" in info["prior"]["note"].lower()
        points = get_json(server, "/api/points")[1]
        assert points["z_log_var"] is None
        np.testing.assert_allclose(
            points["z_mean"], autoencoder.encode(x), atol=1e-4
        )
        example = get_json(server, "/api/example?index=0")[1]
        assert example["z_log_var"] is None
    finally:
        server.shutdown()
        server.server_close()
