"""``SecurityWarning``s attributed to the user's line, not to ours.

A warning raised while ``Auth0Client(...)`` checks its options is about the user's call, so
its filename and line number must be that call's. A fixed ``stacklevel`` cannot know how deep
inside the package the check runs (an adapter building the client adds frames), so the frames
of this package are skipped instead: with ``skip_file_prefixes`` on Python 3.12+, and by
walking the stack on older versions.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING

from .._exceptions import SecurityWarning

if TYPE_CHECKING:
    from types import FrameType

__all__ = ["PACKAGE_DIR", "warn_security"]

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
"""The ``auth0_async`` directory (with a trailing separator): frames from files in it are ours."""


def _first_outside_level() -> int:
    """Return the ``stacklevel`` of the first frame outside the package, counted from the caller."""
    frame: FrameType | None = sys._getframe(1)  # our caller: its stacklevel 1
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def warn_security(message: str) -> None:
    """Issue a :class:`SecurityWarning` pointing at the first caller outside the package."""
    if sys.version_info >= (3, 12):
        warnings.warn(message, SecurityWarning, skip_file_prefixes=(PACKAGE_DIR,))
    else:
        warnings.warn(message, SecurityWarning, stacklevel=_first_outside_level())
