"""kvslo's payload, as the Python points (the redis-py peer, tiled-py) make and check it.

Word j of key k is (k * C1) ^ (j * C2) ^ C3, little-endian 64-bit, cut to the
chunk size: the same bytes harness/measure/payload.cpp stores and verifies.
"""

try:
    import numpy
except ImportError:  # contents are then not verified, and the output says so
    numpy = None

C1, C2, C3 = 0xD1B54A32D192ED03, 0x9E3779B97F4A7C15, 0x5BD1E995
MASK = (1 << 64) - 1


class Payload:
    """kvslo's payload for one chunk size; the key-independent words are made once."""

    def __init__(self, size):
        self.size, self.whole = size, size // 8
        if numpy is not None:
            j = numpy.arange(self.whole + 1, dtype=numpy.uint64)
            self.base = (j * numpy.uint64(C2)) ^ numpy.uint64(C3)

    def value(self, key_index):
        """The value, as bytes or (with numpy) a memoryview that redis-py sends as it is: no copies."""
        if numpy is not None:
            words = (self.base ^ numpy.uint64((key_index * C1) & MASK)).astype("<u8", copy=False)
            return memoryview(words).cast("B")[:self.size]
        base = ((key_index * C1) ^ C3) & MASK
        return b"".join((((j * C2) & MASK) ^ base).to_bytes(8, "little")
                        for j in range(self.whole + 1))[:self.size]

    def matches(self, key_index, v):
        """Whether v is key_index's value (needs numpy); v has the right size."""
        key_word = numpy.uint64((key_index * C1) & MASK)
        words = numpy.frombuffer(v, dtype="<u8", count=self.whole)
        if not bool(((words ^ self.base[:self.whole]) == key_word).all()):
            return False
        tail = self.size - self.whole * 8
        return tail == 0 or v[-tail:] == (self.base[self.whole:] ^ key_word).astype("<u8").tobytes()[:tail]
