"""The MLP trainer's views (`pages/mlp_trainer.py` is their table of contents).

- ``state``       -- `MLPTrainerState`, its binding `STATE` (prefix ``mlp_``), the session keys, and
  what a state builds (dataset, configuration, run)
- ``sidebar``     -- the settings widgets
- ``data_panels`` -- draw-your-own canvas, CSV upload, feature preparation notes
- ``training``    -- the current run, play / pause / step / reset / reseed, the live fragment
- ``pictures``    -- the light SVG / PNG views drawn while training, and the network drawing
- ``charts``      -- the plotly figures shown when paused, and the drawing canvas
- ``tabs``        -- universal approximation, gradient check, export

The numbers come from `core.mlp`; see docs/mlp_trainer.md for how live training works and why.
"""
