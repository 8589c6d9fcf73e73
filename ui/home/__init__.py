"""The Home page's views: what the studio is, a card per page, and the device panel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.device import describe_devices, matmul_probe, pick_device, preference_choices
from core.text import escape_markdown
from ui.catalogue import PAGES
from ui.device import DEVICE_KEY, device_preference

INTRO = ("A hands-on studio for learning how neural networks really train: drag the learning rate, "
         "add layers, and watch the numbers move. Every page computes live on this machine with the "
         "same library (`core/`) you can import from a notebook; nothing needs a network connection "
         "or a key unless you choose an online option.")


def cards() -> None:
    """One card per page; a card links only to a page that exists."""
    cols = st.columns(3)
    for i, spec in enumerate(PAGES):
        with cols[i % 3].container(border=True):
            st.markdown(f"**{spec.title}** · {spec.group}")
            st.caption(spec.blurb)
            if spec.exists:
                st.page_link(spec.path, label=f"Open {spec.title}", icon=spec.icon)
            else:
                st.caption(":material/construction: Not built yet.")


def _remember_choice() -> None:
    st.session_state[DEVICE_KEY] = st.session_state["home_device_choice"]


def device_panel() -> None:
    """The devices torch sees, the session's override, and a GFLOP/s probe."""
    info = describe_devices()
    if info["preference_error"]:
        st.warning("STUDIO_DEVICE is set to an unusable value: "
                   f"{escape_markdown(info['preference_error'], 300)}")
    choices = preference_choices()
    current = device_preference()
    if current not in choices:
        current = "auto"
    left, right = st.columns([2, 3])
    with left:
        st.selectbox(
            "Device for this session", choices, index=choices.index(current), key="home_device_choice",
            on_change=_remember_choice,
            help="auto picks CUDA, then Apple MPS, then the CPU. The choice holds for every page "
                 "until the browser session ends.",
        )
        device = pick_device(st.session_state.get(DEVICE_KEY) or current)
        st.metric("The app will use", str(device))
        st.caption(f"torch {info['torch_version']} · CUDA build {info['cuda_build'] or 'none'} · "
                   f"MPS built {'yes' if info['mps_built'] else 'no'}")
    with right:
        rows = []
        for d in info["devices"]:
            detail = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in d["details"].items())
            rows.append({"device": d["name"], "kind": d["kind"], "model": d["label"], "details": detail})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        _probe(device)


def _probe(device) -> None:
    size = st.select_slider("Probe matrix size", [256, 512, 1024, 2048, 4096], value=1024)
    if st.button("Measure", icon=":material/speed:", help="Time a few matrix multiplies on the chosen device."):
        bar = st.progress(0.0, text=f"Multiplying {size}×{size} matrices on {device}…")
        try:
            result = matmul_probe(device, size=size, repeats=8,
                                  progress=lambda f: bar.progress(f, text=f"{f:.0%} done on {device}"))
        except (RuntimeError, ValueError) as exc:  # e.g. out of device memory
            bar.empty()
            st.error(f"The probe failed on {device}: {escape_markdown(exc, 300)}")
        else:
            bar.empty()
            st.session_state["home_probe"] = result
    probe = st.session_state.get("home_probe")
    if probe:
        st.success(f"{probe['gflops']:.1f} GFLOP/s on {probe['device']} "
                   f"({probe['repeats']} × {probe['size']}² {probe['dtype']} matmul in {probe['seconds']:.3f} s)")
