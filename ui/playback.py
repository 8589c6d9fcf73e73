"""Play / pause, step and reset controls, written once for the pages that animate (gradient descent
race replay, live MLP training).

The playing flag lives in ``st.session_state[prefix + "playing"]`` and is flipped in the button's
callback, which Streamlit runs before the next script (or fragment) run starts: a click on Pause
is therefore seen by the very next frame, whatever a ``run_every`` timer is doing. A page's
animation fragment reads `Playback.playing` at the start of each frame and does nothing more
once it is False.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st


class Playback:
    """The transport of one animation, keyed by ``prefix`` (``"gd_"``, ``"mlp_"``)."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._key = prefix + "playing"

    @property
    def playing(self) -> bool:
        return bool(st.session_state.get(self._key, False))

    def set_playing(self, value: bool) -> None:
        st.session_state[self._key] = bool(value)

    def _press(self, play: bool, on_play: Callable[[], None] | None) -> None:
        """Play or Pause as the button read when it was clicked, not a toggle: Streamlit can
        deliver one click twice when it coalesces with a fragment's timer rerun (seen in
        Chromium, Streamlit 1.67), and a toggle would then undo the Pause."""
        if not play:
            self.set_playing(False)
            return
        if self.playing:
            return
        if on_play is not None:
            on_play()
        self.set_playing(True)

    def _then_pause(self, callback: Callable[[], None]) -> None:
        self.set_playing(False)
        callback()

    def controls(self, *, on_step: Callable[[], None], on_reset: Callable[[], None],
                 on_play: Callable[[], None] | None = None, step_help: str | None = None,
                 reset_help: str | None = None, extra: tuple = (), widths: list[float] | None = None):
        """Draw Play/Pause, Step, Reset and any ``extra`` buttons ``(label, icon, callback, help)``;
        returns the last (wide) column for a page's own widget, such as a speed slider.

        Step and Reset pause first; ``on_play`` runs when Play is pressed (e.g. rewind at the end).
        """
        n = 3 + len(extra)
        cols = st.columns(widths or [1] * n + [3])
        playing = self.playing
        cols[0].button("Pause" if playing else "Play", icon=":material/pause:" if playing else ":material/play_arrow:",
                       on_click=self._press, args=(not playing, on_play), type="primary", key=self.prefix + "play_button",
                       width="stretch")
        cols[1].button("Step", icon=":material/skip_next:", on_click=self._then_pause, args=(on_step,),
                       key=self.prefix + "step_button", width="stretch", help=step_help)
        cols[2].button("Reset", icon=":material/replay:", on_click=self._then_pause, args=(on_reset,),
                       key=self.prefix + "reset_button", width="stretch", help=reset_help)
        for col, (label, icon, callback, help_text) in zip(cols[3:n], extra):
            col.button(label, icon=icon, on_click=self._then_pause, args=(callback,),
                       key=self.prefix + label.lower().replace(" ", "_") + "_button", width="stretch", help=help_text)
        return cols[n]
