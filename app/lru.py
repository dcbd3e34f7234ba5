"""A small least-recently-used map shared by a worker's threads: the per-worker caches (the
progress counts and charts, the header's kept pieces) keep at most `size` entries."""

import threading
from collections import OrderedDict
from collections.abc import Hashable

MISSING = object()  # what `get` can be told to answer for a key it does not have


class LRU:
    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, k: Hashable, default=None):
        with self.lock:
            value = self.entries.get(k, MISSING)
            if value is MISSING:
                return default
            self.entries.move_to_end(k)
            return value

    def put(self, k: Hashable, value):
        with self.lock:
            self.entries[k] = value
            self.entries.move_to_end(k)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)
