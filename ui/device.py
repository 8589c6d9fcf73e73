"""The torch device of a browser session: the Home page's choice, else ``$STUDIO_DEVICE`` or auto."""

from __future__ import annotations

import streamlit as st
import torch

from core.device import default_preference, pick_device

DEVICE_KEY = "device_preference"  # session-wide override, set on the Home page


def device_preference() -> str:
    """The session's device override (Home page), else ``$STUDIO_DEVICE`` or auto."""
    return st.session_state.get(DEVICE_KEY) or default_preference()


def session_device() -> torch.device:
    """The device pages train on; a preference this machine cannot serve falls back to auto."""
    try:
        return pick_device(device_preference())
    except ValueError as exc:
        st.warning(f"{exc} Using the automatic choice instead.", icon=":material/warning:")
        return pick_device("auto")
