"""``python -m chime_speaker_search``: the same command as ``chime-speaker-search``."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
