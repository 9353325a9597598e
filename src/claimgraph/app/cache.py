"""The answers the server gives again to the same request at the same commit."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from ..answers import QueryAnswer


class AnswerCache:
    """Answers already given, each for the commit it was read at: a request repeated before
    the next write is answered again without running it (a write changes the commit's tag,
    which is part of the key, so nothing stale is ever served). Least recently used answers
    go first once ``max_bytes`` of bodies are kept.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._answers: OrderedDict[tuple[str, Hashable], QueryAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, Hashable]) -> QueryAnswer | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple[str, Hashable], answer: QueryAnswer) -> None:
        if len(answer.body) > self.max_bytes // 4:
            return  # one large answer would push out many small ones
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self.size += len(answer.body)
            while self.size > self.max_bytes and self._answers:
                _key, old = self._answers.popitem(last=False)
                self.size -= len(old.body)
