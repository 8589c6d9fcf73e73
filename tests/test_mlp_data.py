"""Data for the MLP trainer: Playground generators, features, tables, and hostile CSV uploads."""

import numpy as np
import pytest
import torch

from core.mlp.data import (FEATURE_NAMES, MAX_CSV_BYTES, DataError, breast_cancer_table, digits_table, titanic_table,
                           generate_2d, load_csv_table, make_features, playground_table, table_from_points)


@pytest.mark.parametrize("problem", ["circle", "xor", "gauss", "spiral"])
def test_classification_generators_are_seeded_balanced_and_in_the_square(problem):
    a, la = generate_2d(problem, 300, 0.1, seed=5)
    b, lb = generate_2d(problem, 300, 0.1, seed=5)
    c, _ = generate_2d(problem, 300, 0.1, seed=6)
    assert a.shape == (300, 2) and np.array_equal(a, b) and np.array_equal(la, lb) and not np.array_equal(a, c)
    assert np.abs(a).max() <= 6.0
    assert set(np.unique(la)) == {0, 1} and 0.3 < la.mean() < 0.7


def test_noise_free_labels_follow_the_problem_definition():
    pts, labels = generate_2d("circle", 400, 0.0, seed=0)
    assert np.all((np.hypot(*pts.T) < 3) == (labels == 1))
    pts, labels = generate_2d("xor", 400, 0.0, seed=0)
    assert np.all((pts[:, 0] * pts[:, 1] >= 0) == (labels == 1))


def test_spiral_takes_more_arms_than_the_playground():
    _, labels = generate_2d("spiral", 500, 0.0, seed=0, n_classes=4)
    assert sorted(np.unique(labels)) == [0, 1, 2, 3]


def test_regression_problems_give_values_in_range():
    for problem in ("plane", "multi_gauss"):
        pts, y = generate_2d(problem, 200, 0.0, seed=0)
        assert y.dtype.kind == "f" and -1 <= y.min() < y.max() <= 1
    pts, y = generate_2d("plane", 50, 0.0, seed=0)
    assert np.allclose(y, (pts[:, 0] + pts[:, 1]) / 12)


def test_features_match_the_playground_definitions():
    pts = np.array([[1.0, 2.0], [-3.0, 0.5]])
    feats = make_features(pts, list(FEATURE_NAMES))
    expected = np.array([[1, 2, 1, 4, 2, np.sin(1), np.sin(2)], [-3, 0.5, 9, 0.25, -1.5, np.sin(-3), np.sin(0.5)]])
    assert np.allclose(feats, expected)
    with pytest.raises(DataError):
        make_features(pts, ["x3"])


def test_playground_table_split_and_types():
    t = playground_table("xor", ["x1", "x2", "x1*x2"], n_points=200, train_fraction=0.7, seed=1)
    assert t.x_train.shape == (140, 3) and t.x_test.shape == (60, 3) and t.task == "binary"
    assert t.points_train.shape == (140, 2)
    m = playground_table("spiral", ["x1", "x2"], n_points=90, seed=1, n_classes=3)
    assert m.task == "multiclass" and m.y_train.dtype == torch.int64


def test_drawn_points_need_two_classes():
    with pytest.raises(DataError, match="same class"):
        table_from_points(np.zeros((5, 2)), np.zeros(5, int), ["x1", "x2"])
    t = table_from_points(np.random.default_rng(0).uniform(-5, 5, (10, 2)), np.arange(10) % 3, ["x1", "x2"])
    assert t.task == "multiclass" and t.n_classes == 3


def test_titanic_table_prepares_the_passengers_and_is_learnable():
    from core.mlp import MLPConfig, model_accuracy, train_model

    t = titanic_table(0.7, seed=0)
    assert t.task == "binary" and t.feature_names[:3] == ["is_male", "class_1st", "class_2nd"]
    assert len(t.x_train) + len(t.x_test) == 1309
    assert torch.isfinite(t.x_train).all() and torch.isfinite(t.x_test).all()  # missing ages were filled
    assert any("missing ages" in n for n in t.notes)
    # Sex and class carry the signal: a small net beats the 62 % "everyone died" baseline clearly.
    base = 1 - float(t.y_test.float().mean())
    config = MLPConfig(hiddens=[8], loss="bce", optimizer="adam", lr=0.05, seed=0)
    coeffs = train_model(t.x_train, t.y_train, epochs=300, config=config)
    assert float(model_accuracy(coeffs, t.x_test, t.y_test, config)) > base + 0.1


def test_breast_cancer_and_digits_tables():
    bc = breast_cancer_table(0.7, seed=0)
    assert bc.x_train.shape[1] == 30 and bc.task == "binary"
    assert abs(float(bc.x_train.mean())) < 0.05  # standardised on the training part
    dg = digits_table(1, 7)
    assert dg.x_train.shape[1] == 784 and 0 <= float(dg.x_train.min()) and float(dg.x_train.max()) <= 1
    assert set(torch.unique(dg.y_train).tolist()) == {0.0, 1.0}


GOOD = b"age,fare,sex,survived\n22,7.25,male,0\n38,71.3,female,1\n26,7.9,female,1\n35,53.1,female,1\n35,8.05,male,0\n"


def test_good_csv_with_a_text_feature_is_one_hot_encoded():
    t = load_csv_table(GOOD, "survived")
    assert t.task == "binary" and "sex_female" in t.feature_names
    assert any("one-hot" in n for n in t.notes)


def test_csv_regression_and_label_mapping():
    t = load_csv_table(GOOD, "fare")
    assert t.task == "regression"
    mapped = load_csv_table(b"a,b\n1,10\n2,20\n3,10\n4,30\n5,20\n", "b")
    assert mapped.task == "multiclass" and mapped.class_names == ["10", "20", "30"]


@pytest.mark.parametrize("data,target,message", [
    (GOOD, "sex", "not numeric"),
    (b"a,b\n1,0\n2,\n3,1\n4,0\n", "b", "missing values"),
    (b"a,y\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(60)), "y", "60 distinct values"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, None, "binary data"),
    (b"", None, "empty"),
    (b"just one line", None, "at least 2 columns"),
    (GOOD, "nope", "no column"),
    (b"a,y\n1,1\n2,1\n3,1\n4,1\n", "y", "single value"),
])
def test_hostile_csv_gets_a_clear_message(data, target, message):
    with pytest.raises(DataError, match=message):
        load_csv_table(data, target, task="classification" if b"\n59,59" in data else "auto")


def test_many_integer_values_fall_back_to_regression_with_a_note():
    t = load_csv_table(b"a,y\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(60)), "y")
    assert t.task == "regression" and any("distinct whole numbers" in n for n in t.notes)


def test_huge_csv_is_refused_before_parsing():
    big = b"a,b\n" + b"1,0\n" * (MAX_CSV_BYTES // 4 + 10)
    with pytest.raises(DataError, match="limit"):
        load_csv_table(big, "b")


def test_fractional_target_cannot_be_forced_into_classes():
    with pytest.raises(DataError, match="fractional"):
        load_csv_table(GOOD, "fare", task="classification")


def test_quoted_newlines_in_the_header_and_the_values_are_read():
    data = (b'"first\nname",note,y\n1,"line one\nline two, with a comma",0\n2,"ok",1\n3,"a ""quoted""\nvalue",0\n'
            b'4,d,1\n5,e,0\n')
    t = load_csv_table(data, "y")
    assert t.feature_names[0] == "first\nname" and "note_a \"quoted\"\nvalue" in t.feature_names
    assert len(t.x_train) + len(t.x_test) == 5


@pytest.mark.parametrize("data", [b"value\n1.5\n2.5\n3.5\n4.5\n5.5\n", b"y\n1\n0\n1\n0\n1\n"])
def test_a_one_column_file_is_named_as_such(data):
    """Python's open sniffer took the "v" of "value" for the separator and blamed missing values."""
    with pytest.raises(DataError, match="single column") as info:
        load_csv_table(data)
    assert "missing" not in str(info.value)


def test_semicolons_and_tabs_are_recognised():
    for sep in (b";", b"\t", b"|"):
        t = load_csv_table(sep.join([b"a", b"b", b"y"]) + b"\n" + b"".join(
            sep.join([b"%d" % i, b"%d" % (i * 2), b"%d" % (i % 2)]) + b"\n" for i in range(8)), "y")
        assert t.feature_names == ["a", "b"]


def test_features_near_the_float64_limit_train_without_blaming_the_learning_rate():
    from core.mlp import MLPConfig, TrainingRun

    rows = b"".join(b"%s,%d,%d\n" % (b"%de307" % (i % 9 - 4), i % 5, int(i % 9 > 4)) for i in range(40))
    t = load_csv_table(b"huge,small,y\n" + rows, "y")
    assert torch.isfinite(t.x_train).all() and float(t.x_train[:, 0].std()) > 0.5  # standardised, not zeroed
    run = TrainingRun(MLPConfig(hiddens=[4], loss="bce", optimizer="adam", lr=0.03), t.x_train, t.y_train)
    run.advance(30)
    assert run.diverged is None and run.history["train_loss"][-1] < run.history["train_loss"][0]


def test_targets_of_1e300_are_standardised_and_the_rmse_keeps_their_units():
    from core.mlp import MLPConfig, TrainingRun
    from core.mlp.views import regression_scores

    rows = b"".join(b"%d,%d,%de299\n" % (i, i % 3, 3 * i + 5) for i in range(40))
    t = load_csv_table(b"a,b,y\n" + rows, "y", task="regression")
    assert 1e300 < t.target_scale < 1e302 and torch.isfinite(t.y_train).all()
    assert any("Target standardised" in n for n in t.notes)
    run = TrainingRun(MLPConfig(hiddens=[], task="regression", loss="mse", optimizer="adam", lr=0.1),
                      t.x_train, t.y_train, t.x_test, t.y_test)
    run.advance(200)
    r2, rmse = regression_scores(run, t.x_test, t.y_test, t.target_scale)
    assert run.diverged is None and r2 > 0.95 and 0 < rmse < 0.3 * t.target_scale


@pytest.mark.parametrize("data,message", [
    (b"a,b,y\n1,inf,0\n2,3,1\n3,4,0\n4,5,1\n", r"Column 'b' .* data row 1"),
    (b"a,b,y\n1,2,0\n2,3,1e999\n3,4,0\n4,5,1\n", r"target column 'y' .* data row 2"),
])
def test_non_finite_values_name_their_column(data, message):
    with pytest.raises(DataError, match=message) as info:
        load_csv_table(data, "y")
    assert "learning rate can train" in str(info.value)


def test_a_run_on_unusable_numbers_says_why_instead_of_blaming_the_learning_rate():
    from core.mlp import MLPConfig, TrainingRun

    x = torch.tensor([[1.0, 2.0], [float("inf"), 0.0], [3.0, 1.0]])
    y = torch.tensor([0.0, 1.0, 0.0])
    run = TrainingRun(MLPConfig(hiddens=[2], loss="bce"), x, y)
    assert "feature column 1" in run.diverged and "learning rate" not in run.diverged.replace("no learning rate", "")
    assert run.advance(5) == 0
    big = TrainingRun(MLPConfig(hiddens=[2], task="regression", loss="mse"), x.nan_to_num(posinf=1.0),
                      torch.tensor([1e30, 0.0, 1.0]))
    assert "Standardise" in big.diverged and "1e+30" in big.diverged
