"""Each integration's token bucket (in memory, per process), and how many events it refused."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tocsin.alerts.integration_cache import IntegrationInfo
from tocsin.core.rate_limit import TokenBucket


@dataclass
class RateLimits:
    buckets: dict[int, TokenBucket] = field(default_factory=dict)
    refused: dict[int, int] = field(default_factory=dict)
    """Events refused (429) by integration id since this process started."""

    def allow(self, integration: IntegrationInfo, count: int) -> bool:
        """Take ``count`` events from the integration's bucket; False (and counted) if over."""
        now = time.monotonic()
        limit = integration.rules.rate_limit_per_minute
        bucket = self.buckets.get(integration.id)
        if bucket is None or bucket.per_minute != limit:
            bucket = self.buckets[integration.id] = TokenBucket(limit, now)
        if bucket.take(count, now):
            return True
        self.refused[integration.id] = self.refused.get(integration.id, 0) + count
        return False
