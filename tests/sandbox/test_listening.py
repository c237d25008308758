"""Where `python -m sandbox` listens, and one line (exit status 2, no traceback) when it cannot."""

import asyncio
import os
import signal
import socket
import subprocess
import sys

import aiohttp
import pytest

from sandbox.addresses import outward_address

NOT_AN_ADDRESS = ("is not an address of this machine: use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) "
                  "or one of this machine's own addresses.")


def refused(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox", *arguments], capture_output=True, text=True, timeout=30,
                          cwd=os.getcwd())


def test_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = refused("--port", str(port))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"python -m sandbox: port {port} on 127.0.0.1 is already in use (another sandbox?): stop "
                             "what uses it, or pick another port with --port (--port 0 picks a free one).\n")


@pytest.mark.parametrize("host", [
    "192.0.2.1",          # a well-formed address that is not this machine's (TEST-NET-1)
    "fe80::1%nosuchif",   # an address that cannot be resolved (without asking DNS: tests stay on this machine)
])
def test_a_bad_host_is_one_line(host):
    result = refused("--host", host, "--port", "0")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"python -m sandbox: --host {host} {NOT_AN_ADDRESS}\n"


def test_a_state_file_that_cannot_be_used_is_one_line(tmp_path):
    result = refused("--state", str(tmp_path), "--port", "0")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"python -m sandbox: {tmp_path} is a folder: give --state a file name.\n"


async def test_every_interface_prints_addresses_that_reach_it():
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--host", "0.0.0.0", "--port", "0",  # noqa: S104 (the point)
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=os.getcwd())
    try:
        printed = []
        while not printed or not printed[-1].lstrip().startswith("curl "):
            printed.append((await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode().strip())
        link = next(line for line in printed if "/oauth/grant?" in line)
        async with aiohttp.ClientSession() as browser, browser.get(link) as page:
            assert page.status == 200 and "Your Discord user ID" in await page.text()
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=20)
    assert not any("0.0.0.0" in line for line in printed)  # noqa: S104 (a link to it would reach nothing)
    assert printed[0].startswith("Taubot sandbox running at http://127.0.0.1:")
    api_url = printed[0].split()[-1]
    port = api_url.split(":")[-1].removesuffix("/api")
    outward = outward_address()
    elsewhere = f"http://{outward}:{port}/api" if outward else "this machine's address in place of 127.0.0.1"
    assert printed[1] == f"(listening on every interface: from another machine, use {elsewhere})"
    assert link.startswith(f"{api_url}/oauth/grant?")
