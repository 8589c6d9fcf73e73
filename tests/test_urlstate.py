from dataclasses import dataclass, field

from core.urlstate import from_query_params, to_query_params


@dataclass
class View:
    surface: str = field(default="rosenbrock", metadata={"choices": ["rosenbrock", "beale"]})
    lr: float = field(default=0.01, metadata={"min": 1e-4, "max": 10.0})
    steps: int = 100
    show: bool = True
    optimizers: list[str] = field(default_factory=lambda: ["sgd", "adam"])
    start: tuple[float, float] = (-1.5, 2.0)


def test_round_trip():
    view = View(surface="beale", lr=0.5, steps=7, show=False, optimizers=["adam"], start=(0.25, -1.0))
    back, messages = from_query_params(View, to_query_params(view))
    assert back == view and messages == []


def test_bad_values_fall_back_with_a_message():
    back, messages = from_query_params(View, {"surface": "__import__('os')", "lr": "1e9", "steps": "many", "start": "nan,1"})
    assert back.surface == "rosenbrock" and back.steps == 100 and back.start == (-1.5, 2.0)
    assert back.lr == 10.0
    assert len(messages) == 4
