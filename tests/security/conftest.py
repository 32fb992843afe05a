"""Hostile-input tests (issue 16): every repository file, config, traffic row and editor message is
treated as an attacker's. Hypothesis runs under the `ci` profile (bounded examples, no deadline, no
example database written into the tree) so the whole fuzz suite stays within its 90 s budget."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=40, deadline=None, database=None, derandomize=True,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("dev", max_examples=300, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("LLMSIGHT_HYPOTHESIS_PROFILE", "ci"))
