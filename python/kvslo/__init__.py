"""kvslo for Python: the tiled KV-cache client (C++) and its asyncio wrapper.

    import kvslo, kvslo.aio

    kvslo.TiledClient(url, threads=, streams=, pipeline_depth=, fixed_size=, timeout=, ...)
        submit_get(keys, buffers) / submit_set(keys, buffers) / submit_exists(keys) -> batch id
        completion_fd()        an eventfd, readable while finished batches wait
        drain_completions()    [Completion, ...], never blocks
        wait(batch_id)         blocks (GIL released) until the batch completes
        close(), or use it as a context manager

    kvslo.aio.Client(url, ...):  await client.get(keys, buffers), .set(...), .exists(keys)

Buffers are anything with the buffer protocol (numpy arrays, bytearray,
memoryview), one per key or one array cut into equal chunks. The C++ side
reads and writes them in place and holds them until their batch completes.
"""

from ._core import Completion, TiledClient

__all__ = ["Completion", "TiledClient"]
