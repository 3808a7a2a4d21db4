#pragma once
// The caller's memory, held for the C++ side while a batch is in flight.
//
// Each buffer is taken through the buffer protocol: the export keeps the
// memory where it is (a bytearray cannot be resized while exported, a numpy
// array keeps its data) and holds a reference to the object, so the memory
// stays valid even when the caller drops its last reference before the batch
// completes. Nothing is copied: the spans point into the caller's objects.
//
// Taking and releasing need the GIL; the spans may be used without it.

#include <Python.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "kv_client.hpp"

namespace kvslo::python {

class HeldBuffers {
 public:
  HeldBuffers() = default;
  // `buffers` is a sequence of buffer objects, one per key, or one buffer
  // object cut into `count` equal contiguous chunks (one numpy array for a
  // whole batch, as LMCache allocates it). GET needs `writable`. Throws
  // pybind11::type_error or pybind11::value_error naming the bad buffer.
  static HeldBuffers take(PyObject* buffers, std::size_t count, bool writable);

  std::vector<MutableBuffer> writable_spans() const;
  std::vector<ConstBuffer> readable_spans() const;
  std::size_t size() const { return chunks_.size(); }

 private:
  struct Release {
    void operator()(Py_buffer* view) const;
  };
  std::vector<std::unique_ptr<Py_buffer, Release>> views_;  // one per object taken
  std::vector<std::pair<std::byte*, std::size_t>> chunks_;  // one per key
};

}  // namespace kvslo::python
