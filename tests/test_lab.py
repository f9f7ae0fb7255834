"""`make lab`: JupyterLab started as the Makefile starts it, driven through its REST API.

The server is rooted at a copy of the layout `make lab` serves (notebooks/ beside a coded study in
interviews/), so the notebooks' default paths must resolve from there; the persona notebook then
runs in a kernel of that server, cell by cell over the kernel's websocket, as a researcher's
"Run all" would.
"""

from __future__ import annotations

import json
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from cjm_research.resources import notebooks_dir

ROOT = Path(__file__).resolve().parents[1]
websocket = pytest.importorskip("websocket", reason="installed with the lab extra")
pytest.importorskip("jupyterlab", reason="installed with the lab extra (make test installs it)")


def lab_flags(root: Path) -> list[str]:
    printed = subprocess.run(
        ["make", "--no-print-directory", "-s", "lab-flags"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flags = [f for f in shlex.split(printed) if not f.startswith("--ServerApp.root_dir")]
    return [*flags, f"--ServerApp.root_dir={root}"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, root: Path) -> None:
        self.port, self.token = free_port(), uuid.uuid4().hex
        jupyter = Path(sys.executable).with_name("jupyter")
        self.process = subprocess.Popen(
            [
                str(jupyter),
                "lab",
                *lab_flags(root),
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                f"--IdentityProvider.token={self.token}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                self.get("/api/status")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    said = self.process.stderr.read()
                    raise RuntimeError(f"jupyter lab did not start:\n{said}") from None
                time.sleep(0.5)

    def request(self, method: str, path: str, body: object = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def get(self, path: str) -> object:
        return self.request("GET", path)

    def execute(self, kernel_id: str, code: str, timeout: float = 120) -> list[dict]:
        """Run ``code`` in the kernel; its iopub outputs (streams, results, displays, errors)."""
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels?token={self.token}",
            timeout=timeout,
        )
        try:
            msg_id = uuid.uuid4().hex
            ws.send(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "username": "test",
                            "session": uuid.uuid4().hex,
                            "msg_type": "execute_request",
                            "version": "5.3",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "content": {"code": code, "silent": False, "store_history": True},
                        "channel": "shell",
                    }
                )
            )
            outputs = []
            while True:
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind in {"stream", "execute_result", "display_data", "error"}:
                    outputs.append({"type": kind, **msg["content"]})
                if kind == "status" and msg["content"]["execution_state"] == "idle":
                    return outputs
        finally:
            ws.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.mark.slow
def test_make_lab_serves_notebooks_that_run_and_show_their_data(report_runs, tmp_path):
    root = tmp_path / "lab"
    shutil.copytree(notebooks_dir(), root / "notebooks")
    shutil.copytree(report_runs.study, root / "interviews")
    (root / "reports").mkdir()
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    lab = Lab(root)
    try:
        listing = lab.get("/api/contents/notebooks")
        names = {item["name"] for item in listing["content"]}
        # Each notebook once: the jupytext sources are hidden.
        assert {"journey_report.ipynb", "explore.ipynb"} <= names
        assert not any(n.endswith(".py") for n in names), names
        assert {i["name"] for i in lab.get("/api/contents")["content"]} >= {"interviews", "reports"}

        notebook = lab.get("/api/contents/notebooks/journey_report.ipynb")["content"]
        session = lab.request(
            "POST",
            "/api/sessions",
            {
                "path": "notebooks/journey_report.ipynb",
                "type": "notebook",
                "name": "journey_report.ipynb",
                "kernel": {"name": "python3"},
            },
        )
        kernel = session["kernel"]["id"]
        outputs = []
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                outputs += lab.execute(kernel, "".join(cell["source"]))
        lab.request("DELETE", f"/api/sessions/{session['id']}")
        # Saving in Lab keeps the hidden jupytext source in step (jupytext's contents manager).
        notebook["cells"][0]["source"] = "# Edited in JupyterLab\n"
        lab.request(
            "PUT",
            "/api/contents/notebooks/journey_report.ipynb",
            {"type": "notebook", "format": "json", "content": notebook},
        )
    finally:
        lab.stop()

    errors = [o for o in outputs if o["type"] == "error"]
    assert not errors, errors[0]["evalue"]
    shown = [o["data"] for o in outputs if o["type"] in {"execute_result", "display_data"}]
    # The report layout (HTML sections, saved figures), then the data: DataFrames as tables and a
    # figure drawn in the kernel by matplotlib.
    assert any("Journey map" in d.get("text/html", "") for d in shown)
    tables = [d for d in shown if "<table" in d.get("text/html", "")]
    assert any("participants" in d["text/plain"] and "score" in d["text/plain"] for d in tables)
    assert any("<Figure" in d.get("text/plain", "") and "image/png" in d for d in shown)
    # Run by hand, it wrote nothing into the study or the reports folder: only a scratch folder.
    source = (root / "notebooks" / "journey_report.pct.py").read_text(encoding="utf-8")
    assert "# # Edited in JupyterLab" in source
    after = sorted(p.relative_to(root) for p in root.rglob("*"))
    new = [p for p in after if p not in before and not p.parts[-1].startswith(".")]
    assert not [p for p in new if p.parts[0] in {"interviews", "reports"}], new
    said = "\n".join(o.get("text", "") for o in outputs if o["type"] == "stream")
    assert "the delivered reports are untouched" in said, said
