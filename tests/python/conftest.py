"""Fixtures for the kvslo Python module's tests: a real redis-server each.

Each server runs on loopback on a free port, with a private directory,
persistence off and a random password (given to the client through
KVSLO_REDIS_PASSWORD, as a user would, never in a URL that could be shown).
Only servers these tests started are stopped, by their pid.
"""

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import kvslo


class RedisServer:
    def __init__(self):
        self.password = secrets.token_hex(16)
        self.dir = tempfile.mkdtemp(prefix="kvslo-pytest-")
        program = shutil.which("redis-server") or "/usr/bin/redis-server"
        for _ in range(10):  # a port found free may be taken before redis binds it: try another
            self.port = free_port()
            self.process = subprocess.Popen(
                [program, "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # The config (with the password) goes through stdin, never the command line.
            config = (f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\nsave \"\"\nappendonly no\n"
                      f"requirepass {self.password}\nprotected-mode yes\n")
            self.process.stdin.write(config.encode())
            self.process.stdin.close()
            if self._ready():
                return
            self.stop()
        raise RuntimeError("could not start redis-server on a free port")

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def _ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                    if b"PONG" in s.recv(100):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer()
    yield server
    server.cleanup()


@pytest.fixture
def own_redis_server():
    """A server of the test's own, for tests that kill it."""
    server = RedisServer()
    yield server
    server.cleanup()


@pytest.fixture
def password_env(redis_server, monkeypatch):
    monkeypatch.setenv("KVSLO_REDIS_PASSWORD", redis_server.password)
    return redis_server.password


@pytest.fixture
def client(redis_server, password_env):
    with kvslo.TiledClient(redis_server.url, threads=2, streams=2, timeout=5) as c:
        yield c
