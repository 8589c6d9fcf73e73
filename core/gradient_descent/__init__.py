"""Optimization playground: loss surfaces, hand-written optimizers, and the views built on them.

Modules, one concept each:

- ``expression``  -- a safe parser for user-typed f(x, y) (an ``ast`` whitelist, evaluated into torch ops)
- ``surfaces``    -- 2-D test functions (ill-conditioned bowl, Rosenbrock, Beale, Himmelblau, saddle, custom)
- ``optimizers``  -- GD, Momentum, Nesterov, AdaGrad, RMSProp and Adam update rules, run batched
- ``one_weight``  -- the one-weight picture: a U-shaped loss, its tangent and the descent steps
- ``regime``      -- naming what a learning rate does (slow, converging, oscillating, diverging)
- ``regression``  -- batch vs mini-batch vs stochastic GD on linear regression, with normal equations
- ``lr_finder``   -- sweep the learning rate on a log grid
- ``state``       -- the page's serializable state (what the URL carries)
"""
