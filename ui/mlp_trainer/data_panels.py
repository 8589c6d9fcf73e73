"""Data panels of the MLP trainer: draw-your-own canvas, CSV upload, feature preparation notes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from core.mlp.data import MAX_CSV_BYTES, DataError, grid_points, read_csv_bytes, table_from_frame
from core.text import escape_markdown
from ui.mlp_trainer import charts
from ui.mlp_trainer.state import CSV_KEY, CSV_TASKS, DRAW_CLASSES, STATE, Drawing

CANVAS = grid_points(25)[1]  # clickable grid, 0.5 apart over [-6, 6]²
MAX_SPRAY = 25  # points added by one box selection


def _drawing() -> Drawing:
    """The page state's drawing (the same object every run: callbacks change it in place)."""
    return STATE.get("drawn")


def drawn_version() -> int:
    return _drawing().version


def _drawn() -> list[list[tuple[float, float, int]]]:
    return _drawing().strokes


def _bump():
    _drawing().version += 1


def _undo(strokes: int):
    """Remove the last stroke of the ``strokes`` shown (idempotent: a click may be delivered twice)."""
    if len(_drawn()) == strokes and strokes:
        _drawn().pop()
        _bump()


def _clear():
    _drawn().clear()
    _bump()


def add_selection(points: list[dict], label: int, seed: int) -> int:
    """Add the clicked / box-selected canvas positions as points of class ``label`` (one undo step)."""
    coords = [(float(p["x"]), float(p["y"])) for p in points if "x" in p and "y" in p]
    if not coords:
        return 0
    rng = np.random.default_rng(seed + len(_drawn()))
    if len(coords) > MAX_SPRAY:
        coords = [coords[i] for i in rng.choice(len(coords), MAX_SPRAY, replace=False)]
    jitter = rng.uniform(-0.2, 0.2, (len(coords), 2)) if len(coords) > 1 else np.zeros((1, 2))
    _drawn().append([(x + dx, y + dy, int(label)) for (x, y), (dx, dy) in zip(coords, jitter)])
    _bump()
    return len(coords)


def draw_panel(state) -> tuple[np.ndarray, np.ndarray]:
    """The canvas; returns the drawn points and labels."""
    flat = [p for batch in _drawn() for p in batch]
    pts = np.array([(x, y) for x, y, _ in flat]).reshape(-1, 2)
    labels = np.array([c for *_, c in flat], dtype=np.int64)
    left, right = st.columns([3, 1])
    with right:
        label = st.radio("Class to add", DRAW_CLASSES, horizontal=True, key=STATE.key("draw_label"),
                         format_func=lambda c: f"{c}")
        st.button("Undo", icon=":material/undo:", on_click=_undo, args=(len(_drawn()),), key="mlp_draw_undo", width="stretch")
        st.button("Clear", icon=":material/delete:", on_click=_clear, key="mlp_draw_clear", width="stretch")
        counts = np.bincount(labels, minlength=2) if len(labels) else np.zeros(2, int)
        st.caption(f"{len(labels)} point{'s' if len(labels) != 1 else ''}: " + ", ".join(f"class {i}: {n}" for i, n in enumerate(counts) if n))
        st.caption("Click a spot to add one point of the chosen class. The box-select tool in the chart's "
                   "toolbar sprays up to 25 points at once.")
    with left:
        event = st.plotly_chart(charts.draw_figure(pts, labels, CANVAS), on_select="rerun",
                                selection_mode=("points", "box"), key=f"mlp_draw_canvas_{drawn_version()}",
                                config={"displayModeBar": True})
    selected = (event or {}).get("selection", {}).get("points", []) if event else []
    if selected and add_selection(selected, label, state.data_seed):
        st.rerun()
    return pts, labels


@dataclass
class Upload:
    """The parsed upload (``st.session_state["mlp_csv"]``) and the table built from it."""

    upload: tuple  # (file id, size)
    frame: pd.DataFrame
    tables: dict = field(default_factory=dict)


def _read_upload(upload) -> pd.DataFrame:
    key = (upload.file_id, upload.size)
    cache = st.session_state.get(CSV_KEY)
    if cache is not None and cache.upload == key:
        return cache.frame
    if upload.size > MAX_CSV_BYTES:  # refuse before reading a huge file into memory
        raise DataError(f"The file is {upload.size / 1e6:.1f} MB; the limit is {MAX_CSV_BYTES / 1e6:.0f} MB. "
                        "Upload a sample of the rows.")
    frame = read_csv_bytes(upload.getvalue())
    st.session_state[CSV_KEY] = Upload(key, frame)
    return frame


def csv_panel(state):
    """Upload, choose the target, validate; returns a `Table` or None (after showing why)."""
    upload = st.file_uploader("CSV file (one row per example, a header row, numeric target)", type=["csv", "txt"],
                              key="mlp_csv_file")
    if upload is None:
        st.caption(f"Up to {MAX_CSV_BYTES // 2**20} MB. Kaggle's Titanic `train.csv` works once its target "
                   "(`Survived`) is chosen: text columns with few values are one-hot encoded.")
        return None
    try:
        frame = _read_upload(upload)
    except DataError as exc:
        st.error(escape_markdown(exc), icon=":material/error:")
        return None
    columns = list(map(str, frame.columns))
    if state.csv_target not in columns:  # a new file: its last column, as in most tables
        STATE.set(csv_target=columns[-1])
    cols = st.columns([2, 2])
    target = cols[0].selectbox("Target column", columns, key=STATE.key("csv_target"))
    task = cols[1].radio("Task", CSV_TASKS, horizontal=True, key=STATE.key("csv_task"))
    key = (target, task, state.train_pct, state.data_seed)
    upload_cache = st.session_state[CSV_KEY]
    if key in upload_cache.tables:
        table = upload_cache.tables[key]
    else:
        try:
            frame.columns = list(map(str, frame.columns))
            table = table_from_frame(frame, target, task, state.train_pct / 100, state.data_seed)
        except DataError as exc:
            st.error(escape_markdown(exc), icon=":material/error:")
            return None
        upload_cache.tables = {key: table}  # one table per upload: the last settings
    st.success(escape_markdown(f"{len(table.x_train) + len(table.x_test)} rows, {len(table.feature_names)} features, "
                     f"{table.task}" + (f" with {table.n_classes} classes." if table.task != "regression" else ".")),
               icon=":material/check:")
    for note in table.notes:
        st.caption(escape_markdown(note))
    return table


def table_notes(table) -> None:
    """How a table's features were prepared, with the first prepared rows."""
    if table.points_train is not None:
        return
    with st.expander("Feature preparation", expanded=False, icon=":material/table:"):
        for note in table.notes:
            st.text(f"• {note}")
        shown = table.feature_names[:12]
        frame = pd.DataFrame(table.x_train[:8, :12].numpy(), columns=shown)
        frame["target"] = table.y_train[:8].numpy()
        st.dataframe(frame, hide_index=True)
        st.caption(f"{len(table.x_train)} training rows, {len(table.x_test)} test rows, "
                   f"{len(table.feature_names)} features" + (" (first 12 shown)." if len(table.feature_names) > 12
                                                            else "."))
