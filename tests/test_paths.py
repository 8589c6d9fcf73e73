from core.paths import data_dir, default_data_dir


def test_data_dir_honours_override_and_creates_subfolders(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "d"))
    sub = data_dir("runs", "x")
    assert sub == tmp_path / "d" / "runs" / "x" and sub.is_dir()


def test_default_is_per_user_and_outside_the_source_tree(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "dl-studio"
