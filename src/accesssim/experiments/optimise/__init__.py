"""Where should the next euro go: a budget optimiser over the policy levers.

Kept as a sub-package because it has distinct concepts, each its own module: ``proxy`` (the
linear access proxy, APL = APL0 + A x at fixed candidate sites), ``milp`` (the integer
program on it, exact, with the K best plans), ``baselines`` (the same units placed by the
official list and three simple rules), ``simulate`` (stage 2: every plan and baseline in the
simulation with common random numbers) and ``write`` (the output folder).
"""
