"""The public report form's rate limit: a token bucket per client address (in memory, per
application), over the same rule as alert ingest (:class:`tocsin.core.rate_limit.TokenBucket`)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from tocsin.core.rate_limit import TokenBucket

MAX_ADDRESSES = 10_000  # beyond this many, the longest-idle addresses are forgotten


@dataclass
class FormLimits:
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, address: str, per_minute: int) -> int:
        """Take one post for ``address``: 0 if allowed, else the seconds to wait (≥ 1)."""
        now = time.monotonic()
        with self.lock:
            bucket = self.buckets.get(address)
            if bucket is None or bucket.per_minute != per_minute:
                if len(self.buckets) >= MAX_ADDRESSES:
                    idle = sorted(self.buckets, key=lambda a: self.buckets[a].at)
                    for old in idle[: MAX_ADDRESSES // 10]:
                        del self.buckets[old]
                bucket = self.buckets[address] = TokenBucket(per_minute, now)
            if bucket.take(1, now):
                return 0
            return max(1, math.ceil((1 - bucket.tokens) * 60 / per_minute))
