import pytest
import torch

from core import device as dev
from core.device import describe_devices, matmul_probe, pick_device


def test_auto_picks_cpu_on_a_machine_without_accelerators(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "_mps_usable", lambda: False)
    assert pick_device() == torch.device("cpu")
    assert pick_device("auto") == torch.device("cpu")


def test_auto_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert pick_device("auto") == torch.device("cuda", 0)
    assert pick_device("cuda:1") == torch.device("cuda", 1)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "_mps_usable", lambda: True)
    assert pick_device("auto") == torch.device("mps")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_unservable_preference_says_what_is_available():
    with pytest.raises(ValueError) as err:
        pick_device("cuda")
    assert "cpu" in str(err.value) and "CUDA" in str(err.value)
    with pytest.raises(ValueError, match="cuda:3"):
        pick_device("cuda:3")


def test_malformed_preference_is_refused():
    with pytest.raises(ValueError, match="Unknown device preference"):
        pick_device("gpu please")


def test_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv("STUDIO_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    monkeypatch.setenv("STUDIO_DEVICE", "tpu")
    with pytest.raises(ValueError):
        pick_device()
    # An explicit argument wins over the environment.
    assert pick_device("cpu") == torch.device("cpu")


def test_describe_devices_is_plain_data_and_lists_the_cpu(monkeypatch):
    monkeypatch.setenv("STUDIO_DEVICE", "nonsense")
    info = describe_devices()
    assert info["torch_version"] == torch.__version__
    cpu = [d for d in info["devices"] if d["kind"] == "cpu"]
    assert len(cpu) == 1 and cpu[0]["details"]["threads"] >= 1
    assert info["preference_error"] and info["selected"]  # a bad env var is reported, not raised


def test_matmul_probe_reports_positive_throughput():
    calls = []
    result = matmul_probe("cpu", size=64, repeats=3, progress=calls.append)
    assert result["gflops"] > 0 and result["seconds"] > 0
    assert calls == pytest.approx([1 / 3, 2 / 3, 1.0])
    with pytest.raises(ValueError):
        matmul_probe("cpu", size=1)
