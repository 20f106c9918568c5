from __future__ import annotations

import pytest

import frameport as fp

pytest_plugins = ["frameport.testing.s3"]  # the s3_server / s3_store fixtures


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch):
    """Every test writes under its own temporary store."""
    monkeypatch.setenv("FRAMEPORT_STORE", str(tmp_path / "store"))
    yield
    fp.config.reset()
