"""Progress for long transfers: a bar on stderr once a read or write has run for a second.

Shown only when stderr is a terminal (never in logs, pipes or CI output), drawn by tqdm, and removed
when the transfer ends. ``FRAMEPORT_PROGRESS=0`` turns it off; ``FRAMEPORT_PROGRESS_AFTER`` sets the
delay in seconds (default 1). Handlers report no byte counts to the engine, so the bar shows what is
being transferred and for how long.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["transfer"]


def _enabled() -> bool:
    if os.environ.get("FRAMEPORT_PROGRESS", "1") == "0":
        return False
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def transfer(description: str) -> Iterator[None]:
    """Show ``description`` and the elapsed time while the block runs, if it runs past the delay."""
    if not _enabled():
        yield
        return
    after = float(os.environ.get("FRAMEPORT_PROGRESS_AFTER", "1.0"))
    done = threading.Event()
    stream = sys.stderr

    def show() -> None:
        if done.wait(after):
            return
        import shutil

        from tqdm import tqdm

        size = shutil.get_terminal_size((100, 20))  # a new terminal may report 0 x 0: tqdm would draw nothing
        bar = tqdm(
            total=None,
            desc=description,
            bar_format="{desc} [{elapsed}]",
            file=stream,
            leave=False,
            ncols=size.columns or 100,
            nrows=size.lines or 20,
        )
        try:
            while not done.wait(0.25):
                bar.refresh()
        finally:
            bar.close()

    thread = threading.Thread(target=show, name="frameport-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
