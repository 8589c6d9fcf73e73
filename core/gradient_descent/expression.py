"""Safe parsing of a user-typed function f(x, y) into torch operations.

The text is parsed with Python's ``ast`` module and every node is checked against a small
whitelist (numbers, the variables x and y, the constants pi and e, + - * / **, parentheses
and a fixed set of math functions). The accepted tree is compiled into nested closures that
call torch functions, so user text is never handed to ``eval``/``exec`` and cannot reach
attributes, names, imports or lambdas. Problems raise ``ExpressionError`` whose message
points at the offending column.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Callable

import torch

MAX_LENGTH = 300
MAX_NODES = 200
MAX_DEPTH = 40
MAX_CONSTANT = 1e6
MAX_EXPONENT = 64  # a constant exponent beyond this is almost surely a mistake or an attack

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "exp": torch.exp, "log": torch.log,
    "sqrt": torch.sqrt, "tanh": torch.tanh, "abs": torch.abs, "sigmoid": torch.sigmoid,
    "sinh": torch.sinh, "cosh": torch.cosh, "atan": torch.atan,
}
_BINARY = {ast.Add: torch.add, ast.Sub: torch.sub, ast.Mult: torch.mul, ast.Div: torch.div,
           ast.Pow: torch.pow}
_HINTS = {ast.BitXor: "use ** for powers, not ^", ast.FloorDiv: "use / for division",
          ast.Mod: "% is not supported", ast.MatMult: "@ is not supported"}

Evaluator = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class ExpressionError(ValueError):
    """A user expression that cannot be accepted; ``column`` is 1-based when known."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message if column is None else f"{message} (at column {column})")
        self.column = column


@dataclass(frozen=True)
class ParsedExpression:
    text: str
    evaluate: Evaluator  # (x, y) tensors of one shape -> f tensor of that shape
    uses: frozenset[str]  # which of x, y appear


def _col(node: ast.AST) -> int | None:
    offset = getattr(node, "col_offset", None)
    return None if offset is None else offset + 1


def _fail(node: ast.AST, message: str) -> ExpressionError:
    return ExpressionError(message, _col(node))


def _as_float(value: int | float) -> float:
    """A literal as a float; an integer too large for a float (a 300-digit hex literal) is inf."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _short(value: int | float) -> str:
    """A literal for a message: at most 20 characters, however many digits it has."""
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return str(value)[:20]


class _Compiler:
    """Walks a checked tree and returns a closure (x, y) -> tensor for each node."""

    def __init__(self) -> None:
        self.uses: set[str] = set()
        self.nodes = 0

    def compile(self, node: ast.AST, depth: int = 0) -> Evaluator:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _fail(node, f"the expression is too long (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise _fail(node, f"the expression is nested too deeply (more than {MAX_DEPTH} levels)")
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise _fail(node, self._describe_refusal(node))
        return method(node, depth + 1)

    @staticmethod
    def _describe_refusal(node: ast.AST) -> str:
        kind = type(node).__name__
        if isinstance(node, ast.Attribute):
            return "attribute access (a dot after a name) is not allowed"
        if isinstance(node, ast.Lambda):
            return "lambda is not allowed"
        if isinstance(node, (ast.Compare, ast.BoolOp)):
            return "comparisons and and/or are not allowed; write a formula in x and y"
        if isinstance(node, (ast.Subscript, ast.List, ast.Tuple, ast.Dict, ast.Set)):
            return "brackets, lists and indexing are not allowed"
        return f"{kind} is not allowed; use numbers, x, y, + - * / ** and functions like sin(x)"

    def _Constant(self, node: ast.Constant, depth: int) -> Evaluator:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(node, f"only numbers are allowed, not {type(value).__name__} {str(value)[:20]!r}")
        constant = _as_float(value)
        if not math.isfinite(constant) or abs(constant) > MAX_CONSTANT:
            raise _fail(node, f"the number {_short(value)} is too large (limit {MAX_CONSTANT:g})")
        return lambda x, y: torch.full_like(x, constant)

    def _Name(self, node: ast.Name, depth: int) -> Evaluator:
        if node.id in VARIABLES:
            self.uses.add(node.id)
            return (lambda x, y: x) if node.id == "x" else (lambda x, y: y)
        if node.id in CONSTANTS:
            constant = CONSTANTS[node.id]
            return lambda x, y: torch.full_like(x, constant)
        if node.id in FUNCTIONS:
            raise _fail(node, f"{node.id} is a function: call it like {node.id}(x)")
        raise _fail(node, f"unknown name {node.id[:30]!r}; only x, y, pi and e can be used")

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Evaluator:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise _fail(node, "only + and - can stand before a value")
        operand = self.compile(node.operand, depth)
        return (lambda x, y: -operand(x, y)) if isinstance(node.op, ast.USub) else operand

    def _BinOp(self, node: ast.BinOp, depth: int) -> Evaluator:
        op = _BINARY.get(type(node.op))
        if op is None:
            raise _fail(node, _HINTS.get(type(node.op), f"operator {type(node.op).__name__} is not allowed"))
        if isinstance(node.op, ast.Pow) and any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow)
                                                for n in ast.walk(node.right)):
            raise _fail(node.right, "powers of powers (a**b**c) are not allowed; use parentheses and small exponents")
        left, right = self.compile(node.left, depth), self.compile(node.right, depth)
        if isinstance(node.op, ast.Pow) and not self._uses_variables(node.right):
            self._check_exponent(node.right, right)
        return lambda x, y: op(left(x, y), right(x, y))

    @staticmethod
    def _uses_variables(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in VARIABLES for n in ast.walk(node))

    @staticmethod
    def _check_exponent(node: ast.AST, exponent: Evaluator) -> None:
        """A constant exponent, folded (``64+1``, ``2*40``, ``-(65)``), must be finite and within the limit."""
        one = torch.zeros((), dtype=torch.float64)
        with torch.no_grad():
            value = float(exponent(one, one))
        if not math.isfinite(value):
            raise _fail(node, "the exponent is not a finite number")
        if abs(value) > MAX_EXPONENT:
            raise _fail(node, f"the exponent {value:g} is too large (limit {MAX_EXPONENT})")

    def _Call(self, node: ast.Call, depth: int) -> Evaluator:
        if not isinstance(node.func, ast.Name):
            raise _fail(node, "only the listed functions can be called, by name, like sin(x)")
        name = node.func.id
        if name not in FUNCTIONS:
            raise _fail(node, f"function {name[:30]!r} is not allowed; use one of {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _fail(node, f"{name}() takes exactly one argument, like {name}(x)")
        fn, arg = FUNCTIONS[name], self.compile(node.args[0], depth)
        return lambda x, y: fn(arg(x, y))


def parse_expression(text: str) -> ParsedExpression:
    """Check and compile ``text`` as f(x, y); raises ``ExpressionError`` with a pointed message."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("type a formula in x and y, for example (1-x)**2 + 100*(y-x**2)**2")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        column = exc.offset if exc.offset and exc.offset > 0 else None
        hint = "use ** for powers" if "^" in source else "check brackets and operators"
        raise ExpressionError(f"this is not a formula Python's grammar accepts ({hint})", column) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is nested too deeply or contains invalid characters") from None
    compiler = _Compiler()
    try:
        evaluate = compiler.compile(tree.body)
    except RecursionError:
        raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)") from None
    return ParsedExpression(source, evaluate, frozenset(compiler.uses))
