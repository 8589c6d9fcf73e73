"""Gradient descent: loss surfaces, hand-written optimizers, and the experiments built on them.

Modules, one concept each (no Streamlit here; usable from a notebook):

- ``expression``  -- a safe parser for user-typed f(x, y) (an ``ast`` whitelist, evaluated into torch ops)
- ``surfaces``    -- 2-D test functions (ill-conditioned bowl, Rosenbrock, Beale, Himmelblau, saddle,
                     Rastrigin, plateau, custom)
- ``optimizers``  -- GD, Momentum, Nesterov, AdaGrad, RMSProp and Adam update rules, run batched, with
                     an optional stochastic-gradient mode (seeded gradient noise)
- ``inspector``   -- one step of a race: the gradient, velocity and moments each optimizer holds
- ``one_weight``  -- the one-weight picture: a U-shaped loss, its tangent and the descent steps
- ``regime``      -- naming what a learning rate does (slow, converging, oscillating, diverging)
- ``regression``  -- batch vs mini-batch vs stochastic GD on linear regression, with normal equations
- ``lr_finder``   -- sweep the learning rate on a log grid

The page's state (what a link carries) lives with the page, in ``ui/gradient_descent/state.py``.
"""
