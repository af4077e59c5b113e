"""Settings for the whole suite.

One BLAS thread: the suite's matrix products are small, and on a 2-core CI
machine OpenBLAS threads mostly wait on each other (measured: tests/reference
takes ~2x longer with the default thread count). Set before numpy is imported.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
