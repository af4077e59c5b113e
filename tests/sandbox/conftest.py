"""Fixtures of the sandbox tests: the backends (bubblewrap must really run: see helpers)."""

import pytest

from nndl_hw4.sandbox.backends import select

from .helpers import bubblewrap_backend


@pytest.fixture(scope="session")
def bwrap():
    return bubblewrap_backend()


@pytest.fixture(scope="session")
def direct():
    return select("direct")[0]


@pytest.fixture(params=["bubblewrap", "direct"])
def backend(request):
    """Both backends, for properties the direct fallback keeps too."""
    return bubblewrap_backend() if request.param == "bubblewrap" else select("direct")[0]
