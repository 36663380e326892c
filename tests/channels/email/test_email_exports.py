"""The packages' public API is exactly what ``__all__`` says (httpx's exported-members rule)."""

from __future__ import annotations

import types

import pytest

import baton.channels.email
import baton.mailsink


@pytest.mark.parametrize("package", [baton.channels.email, baton.mailsink])
def test_all_lists_exactly_the_public_names(package: types.ModuleType) -> None:
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    }
    assert set(package.__all__) == public
