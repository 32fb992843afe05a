"""Suite-wide set-up: llmsight's scan cache lives in the user's cache directory (never in the scanned
tree), so the suite points XDG_CACHE_HOME at a directory of its own; the tests and every CLI or
language server they start leave the real ~/.cache alone."""
from __future__ import annotations

import os
import tempfile

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="llmsight-test-cache-")
