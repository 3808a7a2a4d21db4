// The kvslo Python module: kvslo._core, re-exported by the kvslo package.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "py_tiled_client.hpp"

namespace py = pybind11;
using kvslo::python::Completion;
using kvslo::python::PyTiledClient;
using kvslo::python::TiledClientSettings;

PYBIND11_MODULE(_core, m) {
  m.doc() = "kvslo's tiled KV-cache client (C++), for Python: batched GET/SET/EXISTS into caller memory, "
            "completion through an eventfd";

  py::class_<Completion>(m, "Completion", "One finished batch: a status per key, and where its time went.")
      .def_readonly("batch_id", &Completion::batch_id)
      .def_readonly("op", &Completion::op)
      .def_readonly("ok", &Completion::ok, "every key's status is 'ok'")
      .def_readonly("statuses", &Completion::statuses,
                    "per key: ok, missing, size_mismatch, server_error, io_error, timeout or cancelled")
      .def_readonly("messages", &Completion::messages, "per key: why, when the status is not ok")
      .def_readonly("value_sizes", &Completion::value_sizes, "GET: each value's length as the server sent it")
      .def_readonly("present", &Completion::present, "EXISTS: a bool per key (None for GET and SET)")
      .def_readonly("bytes", &Completion::bytes, "payload bytes of the keys that were ok")
      .def_readonly("queue_wait_ns", &Completion::queue_wait_ns, "submit to a worker starting on it")
      .def_readonly("transfer_ns", &Completion::transfer_ns, "first tile started to last tile done")
      .def_readonly("handoff_ns", &Completion::handoff_ns, "last tile done to drain_completions() taking it")
      .def_readonly("tiles", &Completion::tiles)
      .def("__repr__", [](const Completion& c) {
        return "<kvslo.Completion batch " + std::to_string(c.batch_id) + " " + c.op + " " +
               std::to_string(py::len(c.statuses)) + " keys " + (c.ok ? "ok" : "with failures") + ">";
      });

  py::class_<PyTiledClient>(m, "TiledClient",
                            "Batched GET/SET/EXISTS on worker threads, each batch cut into contiguous tiles.\n"
                            "The password comes from the URL or $KVSLO_REDIS_PASSWORD; it is never shown.")
      .def(py::init([](std::string url, int threads, std::optional<int> streams, int pipeline_depth, bool fixed_size,
                       double timeout, double connect_timeout, std::optional<std::uint64_t> tile_bytes, int inflight,
                       std::optional<int> sndbuf, std::optional<int> rcvbuf, bool release_gil,
                       std::optional<std::string> tls_ca, std::optional<std::string> tls_cert,
                       std::optional<std::string> tls_key, std::optional<std::string> tls_server_name, bool tls_insecure,
                       bool ktls) {
             TiledClientSettings s;
             s.url = std::move(url);
             s.threads = threads;
             s.streams = streams;
             s.pipeline_depth = pipeline_depth;
             s.fixed_size = fixed_size;
             s.timeout_s = timeout;
             s.connect_timeout_s = connect_timeout;
             s.tile_bytes = tile_bytes;
             s.inflight = inflight;
             s.sndbuf = sndbuf;
             s.rcvbuf = rcvbuf;
             s.release_gil = release_gil;
             s.tls_ca = std::move(tls_ca);
             s.tls_cert = std::move(tls_cert);
             s.tls_key = std::move(tls_key);
             s.tls_server_name = std::move(tls_server_name);
             s.tls_insecure = tls_insecure;
             s.ktls = ktls;
             return std::make_unique<PyTiledClient>(s);
           }),
           py::arg("url"), py::kw_only(), py::arg("threads") = 1, py::arg("streams") = py::none(),
           py::arg("pipeline_depth") = 8, py::arg("fixed_size") = true, py::arg("timeout") = 10.0,
           py::arg("connect_timeout") = 2.0, py::arg("tile_bytes") = py::none(), py::arg("inflight") = 1,
           py::arg("sndbuf") = py::none(), py::arg("rcvbuf") = py::none(), py::arg("release_gil") = true,
           py::arg("tls_ca") = py::none(), py::arg("tls_cert") = py::none(), py::arg("tls_key") = py::none(),
           py::arg("tls_server_name") = py::none(), py::arg("tls_insecure") = false, py::arg("ktls") = false)
      .def("submit_get", &PyTiledClient::submit_get, py::arg("keys"), py::arg("buffers"),
           "Reads each key's value into its buffer (writable, C-contiguous; a sequence of one per key, or one buffer "
           "cut into equal chunks). The buffers are held until the batch completes. Returns the batch id.")
      .def("submit_set", &PyTiledClient::submit_set, py::arg("keys"), py::arg("buffers"),
           "Stores each buffer under its key, sent straight from the buffer. Returns the batch id.")
      .def("submit_exists", &PyTiledClient::submit_exists, py::arg("keys"), "Returns the batch id.")
      .def("completion_fd", &PyTiledClient::completion_fd,
           "An eventfd, readable while finished batches wait to be drained (for select/poll/asyncio add_reader).")
      .def("drain_completions", &PyTiledClient::drain_completions,
           "Every finished batch not yet returned, oldest first, as Completion objects. Never blocks.")
      .def("wait", &PyTiledClient::wait, py::arg("batch_id"),
           "Blocks until the batch completes and returns its Completion (do not mix with drain_completions() for "
           "the same batch).")
      .def("close", &PyTiledClient::close,
           "Unstarted batches complete as cancelled, started ones finish; threads end, connections close. "
           "drain_completions() still returns them.")
      .def_property_readonly("closed", &PyTiledClient::closed)
      .def_property_readonly("releases_gil", &PyTiledClient::releases_gil)
      .def_property_readonly("in_flight", &PyTiledClient::in_flight, "batches submitted and not yet returned")
      .def_property_readonly("settings", &PyTiledClient::settings, "the options in effect (no password)")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyTiledClient& self, py::args) { self.close(); });
}
