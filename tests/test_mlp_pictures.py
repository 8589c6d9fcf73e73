"""The MLP trainer's light live pictures (SVG / PNG) and the scores shown beside them."""

import base64
import io
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from core.mlp import MLPConfig, TrainingRun, single_thread
from core.mlp.data import playground_table
from core.mlp.views import boundary_grid, confusion_matrix, neuron_grids, regression_scores
from ui.mlp_trainer import pictures

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with single_thread():
        yield


def _run(problem="spiral", hiddens=(6, 5), epochs=40, **cfg):
    table = playground_table(problem, ["x1", "x2"], n_points=200, seed=1, n_classes=cfg.pop("classes", 2))
    task = table.task
    loss = {"binary": "bce", "multiclass": "ce", "regression": "mse"}[task]
    config = MLPConfig(hiddens=list(hiddens), activation="tanh", task=task, n_classes=max(table.n_classes, 2),
                       loss=loss, optimizer="adam", lr=0.03, **cfg)
    run = TrainingRun(config, table.x_train, table.y_train, table.x_test, table.y_test)
    run.advance(epochs)
    return run, table


def _png(data_url: str) -> Image.Image:
    assert data_url.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))


def test_plane_picture_holds_the_surface_and_every_point():
    run, table = _run()
    axis, surface = boundary_grid(run, table.feature_names, 60)
    markup = pictures.points_layer(table.points_train, table.y_train.numpy(), table.points_test,
                                   table.y_test.numpy(), "binary", show_test=True)
    root = ET.fromstring(pictures.plane_svg(surface, "binary", markup))
    background = _png(root.find(f"{SVG}image").get("href"))
    assert background.size == (60, 60)
    top_left = np.asarray(background)[0, 0]
    expected = pictures.surface_rgb(surface, "binary")[0, 0]  # the plane's top row is its highest x2
    assert np.array_equal(top_left, expected)
    shapes = {p.get("id"): p.get("d").count("h0") for p in root.iter(f"{SVG}path")}
    rims = [u.get("href")[1:] for u in root.iter(f"{SVG}use") if u.get("stroke") == pictures.INK]
    assert sorted(rims) == sorted(shapes)  # every group of dots is drawn with its dark rim
    assert sum(shapes.values()) == len(table.points_train) + len(table.points_test)
    hidden = pictures.points_layer(table.points_train, table.y_train.numpy(), table.points_test,
                                   table.y_test.numpy(), "binary", show_test=False)
    assert hidden.count("h0") < markup.count("h0")


def test_surface_colours_follow_the_playground_palette():
    rgb = pictures.surface_rgb(np.array([[0.0, 0.5, 1.0, np.nan]]), "binary")[0]
    orange, blue = pictures.hex_rgb(pictures.ORANGE), pictures.hex_rgb(pictures.BLUE)
    assert rgb[0][0] > rgb[0][2] and rgb[2][2] > rgb[2][0]  # orange-ish for 0, blue-ish for 1
    assert np.allclose(rgb[0], 255 + (orange - 255) * 0.75, atol=1) and np.allclose(rgb[2], 255 + (blue - 255) * 0.75,
                                                                                      atol=1)
    assert tuple(rgb[3]) == (255, 255, 255)  # a diverged (NaN) output is blank, not a colour
    classes = pictures.surface_rgb(np.array([[0.0, 1.0, 2.0]]), "multiclass")[0]
    assert len({tuple(c) for c in classes}) == 3


def test_curves_are_thinned_and_survive_a_diverged_history():
    history = {"epoch": list(range(5000)), "train_loss": [1 / (e + 1) for e in range(5000)],
               "test_loss": [float("nan")] * 5000, "train_acc": [0.5] * 5000, "test_acc": [0.6] * 5000}
    history["train_loss"][-1] = float("inf")
    root = ET.fromstring(pictures.curves_svg(history, "Accuracy", regression=False, max_points=200))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 3  # train loss, train and test accuracy; the all-NaN test loss draws nothing
    assert all(len(line.get("points").split()) <= 200 for line in lines)
    for line in lines:
        for pair in line.get("points").split():
            assert all(math.isfinite(float(v)) for v in pair.split(","))


def test_network_drawing_shows_each_weight_on_hover_and_escapes_names():
    run, table = _run(hiddens=(3,))
    weights = [w.detach().numpy() for w in run.coeffs[0]]
    biases = [b.detach().numpy() for b in run.coeffs[1]]
    names = ["<b>x</b>", 'a"&\'b']
    svg = pictures.network_svg(weights, biases, names)
    root = ET.fromstring(svg)  # well-formed despite the names
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert len([t for t in titles if ": w = " in t]) == 2 * 3 + 3 * 1
    w = float(weights[0][0, 0])
    assert f"<b>x</b> → L1 #1: w = {w:+.4g}" in titles
    assert any(t.startswith("L1 #2: bias = ") for t in titles)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert "<title>" not in pictures.network_svg(weights, biases, names, hover=False)
    weights[0][0, 0] = np.nan  # a diverged run draws what is left
    assert len(list(ET.fromstring(pictures.network_svg(weights, biases, names)).iter(f"{SVG}line"))) == 2 * 3 + 3 - 1


def test_neuron_mosaic_has_one_tile_per_neuron():
    run, table = _run(hiddens=(4, 2))
    grids = neuron_grids(run, table.feature_names, 24, 8)
    image = _png(pictures.png_data_url(pictures.neurons_rgb(grids, cell=48, gap=4)))
    assert image.size == (4 * 52 - 4, 2 * 52 - 4)
    assert np.asarray(image)[60:, 110:].min() == 255  # layer 2 has two neurons: the rest stays blank


def test_confusion_matrix_agrees_with_accuracy():
    for problem, classes in (("xor", 2), ("spiral", 3)):
        run, table = _run(problem, classes=classes)
        k = run.config.n_outputs if run.config.task == "multiclass" else 2
        matrix = confusion_matrix(run, table.x_test, table.y_test, k)
        assert matrix.shape == (k, k) and matrix.sum() == len(table.x_test)
        assert np.trace(matrix) / matrix.sum() == pytest.approx(run.history["test_acc"][-1], abs=1e-6)
        assert list(matrix.sum(1)) == list(np.bincount(table.y_test.long().numpy(), minlength=k))


def test_regression_scores_match_their_definitions():
    run, table = _run("plane", hiddens=(), epochs=150)
    r2, rmse = regression_scores(run, table.x_test, table.y_test)
    pred = run.predict(table.x_test).reshape(-1).double()
    y = table.y_test.double()
    assert rmse == pytest.approx(float(((pred - y) ** 2).mean().sqrt()), rel=1e-9)
    assert r2 == pytest.approx(run.history["test_acc"][-1], abs=1e-5) and r2 > 0.9
    _, scaled = regression_scores(run, table.x_test, table.y_test, target_scale=1e300)
    assert scaled == pytest.approx(rmse * 1e300)
    assert math.isnan(regression_scores(run, table.x_test[:0], table.y_test[:0])[0])
