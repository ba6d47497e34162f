"""A built package serves pages: build the sdist and the wheel from it, install the wheel in
a fresh virtualenv, run `tocsin serve` from an empty folder and load pages.

The fresh venv gets the project's dependencies by a ``.pth`` line naming this (the test)
environment's site-packages: installing them from the registry would take minutes on a
loaded machine, and it is the wheel's own files that this test is about. Those cannot be
shadowed: a ``.pth`` line appends a folder after the venv's own site-packages, and the
``.pth`` files inside that folder (the editable install's path hook among them) are not run,
so ``import tocsin`` can only find the installed wheel — which the test checks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.peers import free_port

REPO = Path(__file__).resolve().parent.parent
_JUNK = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc", "*.db", "tocsin.key")


def _run(
    *argv: str | Path, cwd: Path, env: dict[str, str] | None = None, given: str | None = None
) -> str:
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=given,
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def build_wheel(work: Path) -> Path:
    """sdist from a clean copy of the sources, then the wheel from that sdist."""
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "src", source / "src", ignore=_JUNK)
    _run(sys.executable, "-m", "build", "--outdir", work / "dist", source, cwd=work)
    (wheel,) = (work / "dist").glob("tocsin-*.whl")
    return wheel


def install_in_fresh_venv(wheel: Path, venv: Path) -> Path:
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel, cwd=venv)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=venv)
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site.strip()) / "tocsin_test_dependencies.pth").write_text("\n".join(sorted(ours)))
    return venv / "bin"


@contextmanager
def serving(tocsin: Path, folder: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        [tocsin, "serve", "--port", str(port)], cwd=folder, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a guard against hanging, not a measurement
        while True:
            assert process.poll() is None, (folder / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (folder / "serve.log").read_text()
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_built_wheel_installs_and_serves_pages(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    bin_dir = install_in_fresh_venv(wheel, tmp_path / "venv")
    folder = tmp_path / "run"  # not the repository: nothing of it is on the path
    folder.mkdir()
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(folder),
        "TOCSIN_DATABASE_URL": f"sqlite:///{folder}/tocsin.db",
        "TOCSIN_RUN_WORKER": "no",
    }
    where = _run(bin_dir / "python", "-c", "import tocsin; print(tocsin.__file__)", cwd=folder)
    assert where.startswith(str(tmp_path / "venv")), where
    tocsin = bin_dir / "tocsin"
    created = _run(tocsin, "token", "create", "--name", "t", "--role", "admin", cwd=folder, env=env)
    token = created.strip().splitlines()[-1]
    password = "first admin password"
    user = ("user", "create", "--email", "admin@example.test", "--role", "admin")
    _run(tocsin, *user, cwd=folder, env=env, given=f"{password}\n{password}\n")
    with serving(tocsin, folder, env) as url:
        login = httpx.get(f"{url}/login")
        assert login.status_code == 200
        assert "<form" in login.text
        status_page = httpx.get(f"{url}/status/")  # its templates are in the wheel
        assert status_page.status_code == 200, status_page.text
        assert "All Systems Operational" in status_page.text
        css = httpx.get(f"{url}/static/tocsin.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        for script in ("htmx.min.js", "tocsin.js"):  # the console's scripts, vendored
            served = httpx.get(f"{url}/static/{script}")
            assert served.status_code == 200, script
            assert "javascript" in served.headers["content-type"], script
        with httpx.Client(base_url=url, follow_redirects=True) as browser:
            form = browser.get("/login").text
            csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form)
            assert csrf, form
            credentials = {"email": "admin@example.test", "password": password}
            listed = browser.post("/login", data={**credentials, "csrf_token": csrf.group(1)})
            assert listed.status_code == 200
            assert str(listed.url).endswith("/incidents")
            declared = browser.post(
                "/api/v1/incidents",
                json={"title": "From the wheel", "severity": "SEV3"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert declared.status_code == 201, declared.text
            assert "From the wheel" in browser.get("/incidents").text
