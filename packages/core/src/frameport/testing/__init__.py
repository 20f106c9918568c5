"""Test helpers for frameport and its backends: real servers as pytest fixtures, and the conformance kit."""
