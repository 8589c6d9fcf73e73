"""The safe f(x, y) parser: valid formulas evaluate like numpy; hostile ones are refused clearly."""

import math

import numpy as np
import pytest
import torch

from core.gradient_descent.expression import ExpressionError, parse_expression
from core.gradient_descent.surfaces import custom_surface


def evaluate(text, x, y):
    parsed = parse_expression(text)
    return parsed.evaluate(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)).numpy()


@pytest.mark.parametrize("text, expected", [
    ("(1-x)**2 + 100*(y-x**2)**2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    ("sin(x)*cos(y) + 0.1*(x**2 + y**2)", lambda x, y: np.sin(x) * np.cos(y) + 0.1 * (x**2 + y**2)),
    ("exp(-x**2) - log(1 + y**2) + sqrt(abs(x)) + tanh(y)",
     lambda x, y: np.exp(-x**2) - np.log(1 + y**2) + np.sqrt(np.abs(x)) + np.tanh(y)),
    ("-x / 2 + +y * pi - e", lambda x, y: -x / 2 + y * math.pi - math.e),
    ("3", lambda x, y: np.full_like(x, 3.0)),
    ("x**-2 + 1.5e-3*y", lambda x, y: x**-2.0 + 1.5e-3 * y),
])
def test_valid_formulas_match_numpy(text, expected):
    x = np.array([0.3, -1.2, 2.0])
    y = np.array([0.5, 1.1, -0.7])
    np.testing.assert_allclose(evaluate(text, x, y), expected(x, y), rtol=1e-12)


def test_uses_lists_the_variables():
    assert parse_expression("x**2 + 1").uses == frozenset({"x"})
    assert parse_expression("x*y").uses == frozenset({"x", "y"})


@pytest.mark.parametrize("text, fragment", [
    ("__import__('os')", "function '__import__' is not allowed"),
    ("__import__('os').system('echo pwned')", "only the listed functions can be called"),
    ("x.__class__", "attribute access"),
    ("(lambda: 1)()", "only the listed functions can be called"),
    ("lambda x: x", "lambda is not allowed"),
    ("9**9**9**9", "powers of powers"),
    ("x**1000000", "exponent 1e+06 is too large"),
    ("x**(-100)", "exponent -100 is too large"),
    ("10**100000000", "too large"),
    ("open('/etc/passwd')", "function 'open' is not allowed"),
    ("exec('1')", "function 'exec' is not allowed"),
    ("eval('x')", "function 'eval' is not allowed"),
    ("os", "unknown name 'os'"),
    ("z + 1", "unknown name 'z'"),
    ("'a' * 10", "only numbers are allowed"),
    ("[x for x in ()]", "not allowed"),
    ("x[0]", "brackets"),
    ("x if y else 1", "not allowed"),
    ("x < y", "comparisons"),
    ("sin(x, y)", "exactly one argument"),
    ("sin(x=1)", "exactly one argument"),
    ("sin", "is a function"),
    ("x ^ 2", "use ** for powers"),
    ("x // 2", "use / for division"),
    ("x +", "not a formula"),
    ("x y", "not a formula"),
    ("", "type a formula"),
    ("   ", "type a formula"),
    ("x" + "+x" * 200, "longer than"),
    ("sin(" * 45 + "x" + ")" * 45, "nested too deeply"),
    ("-" * 250 + "x", "nested too deeply"),
    ("True + x", "only numbers"),
    ("1e400 * x", "too large"),
])
def test_hostile_or_broken_input_is_refused_with_a_message(text, fragment):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert fragment in str(info.value)


def test_errors_point_at_the_column():
    with pytest.raises(ExpressionError) as info:
        parse_expression("x**2 + foo(y)")
    assert info.value.column == 8
    assert "at column 8" in str(info.value)


def test_parsing_and_evaluating_never_call_eval_or_exec(monkeypatch):
    import builtins

    def refuse(*args, **kwargs):
        raise AssertionError("user text reached eval/exec")

    for name in ("eval", "exec"):  # (ast.parse itself compiles to a tree only, never to code)
        monkeypatch.setattr(builtins, name, refuse)
    values = evaluate("sin(x) + y**2", np.array([0.0, 1.0]), np.array([2.0, 3.0]))
    np.testing.assert_allclose(values, np.sin([0.0, 1.0]) + np.array([4.0, 9.0]))
    with pytest.raises(ExpressionError):
        parse_expression("__import__('os')")


def test_custom_surface_gets_autograd_gradients():
    surface = custom_surface("x**2 * y + sin(y)")
    points = torch.tensor([[1.0, 2.0], [-0.5, 0.3]], dtype=torch.float64)
    values, grads = surface.value_and_grad(points)
    x, y = points[:, 0], points[:, 1]
    torch.testing.assert_close(values, x**2 * y + torch.sin(y))
    torch.testing.assert_close(grads, torch.stack([2 * x * y, x**2 + torch.cos(y)], 1))


def test_constant_custom_surface_has_grid_of_right_shape():
    xs, ys, z = custom_surface("2").grid(20)
    assert z.shape == (20, 20) and np.all(z == 2.0)
