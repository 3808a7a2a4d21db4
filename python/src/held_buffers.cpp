#include "held_buffers.hpp"

#include <pybind11/pybind11.h>

#include <string>

namespace py = pybind11;

namespace kvslo::python {

void HeldBuffers::Release::operator()(Py_buffer* view) const {
  PyBuffer_Release(view);  // drops the export and the reference to the object
  delete view;
}

namespace {

// C-contiguous, writable when asked: what the C++ side can read or write as one span.
std::unique_ptr<Py_buffer> export_buffer(PyObject* object, bool writable, const std::string& what) {
  if (!PyObject_CheckBuffer(object)) {
    throw py::type_error(what + " is a " + std::string(Py_TYPE(object)->tp_name) +
                         ", not an object with the buffer protocol (numpy array, bytearray, memoryview)");
  }
  auto view = std::make_unique<Py_buffer>();
  const int flags = (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS;
  if (PyObject_GetBuffer(object, view.get(), flags) != 0) {
    PyErr_Clear();
    throw py::value_error(what + (writable ? " must be writable and C-contiguous (a GET writes into it)"
                                           : " must be C-contiguous"));
  }
  return view;
}

}  // namespace

HeldBuffers HeldBuffers::take(PyObject* buffers, std::size_t count, bool writable) {
  HeldBuffers held;
  if (PyObject_CheckBuffer(buffers)) {
    auto view = export_buffer(buffers, writable, "the buffer");
    const auto total = static_cast<std::size_t>(view->len);
    if (count == 0 ? total != 0 : total % count != 0) {
      const std::string len = std::to_string(total), n = std::to_string(count);
      PyBuffer_Release(view.get());
      throw py::value_error("one buffer of " + len + " bytes cannot be cut into " + n + " equal chunks");
    }
    auto* base = static_cast<std::byte*>(view->buf);
    const std::size_t chunk = count == 0 ? 0 : total / count;
    for (std::size_t i = 0; i < count; ++i) held.chunks_.emplace_back(base + i * chunk, chunk);
    held.views_.emplace_back(view.release());
    return held;
  }
  if (!PySequence_Check(buffers) || PyUnicode_Check(buffers)) {
    throw py::type_error("buffers must be a sequence of buffers (one per key) or one buffer to cut into equal chunks");
  }
  const Py_ssize_t n = PySequence_Size(buffers);
  if (n < 0) throw py::error_already_set();
  if (static_cast<std::size_t>(n) != count) {
    throw py::value_error(std::to_string(count) + " keys but " + std::to_string(n) + " buffers");
  }
  for (Py_ssize_t i = 0; i < n; ++i) {
    py::object item = py::reinterpret_steal<py::object>(PySequence_GetItem(buffers, i));
    if (!item) throw py::error_already_set();
    auto view = export_buffer(item.ptr(), writable, "buffer " + std::to_string(i));
    held.chunks_.emplace_back(static_cast<std::byte*>(view->buf), static_cast<std::size_t>(view->len));
    held.views_.emplace_back(view.release());
  }
  return held;
}

std::vector<MutableBuffer> HeldBuffers::writable_spans() const {
  std::vector<MutableBuffer> spans;
  spans.reserve(chunks_.size());
  for (const auto& [data, size] : chunks_) spans.emplace_back(data, size);
  return spans;
}

std::vector<ConstBuffer> HeldBuffers::readable_spans() const {
  std::vector<ConstBuffer> spans;
  spans.reserve(chunks_.size());
  for (const auto& [data, size] : chunks_) spans.emplace_back(data, size);
  return spans;
}

}  // namespace kvslo::python
