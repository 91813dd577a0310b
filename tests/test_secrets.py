"""Secrets never reach a file or the terminal: every output of a real run is searched for them.

Three kinds of secret: a ``fill`` marked ``secret: true``; an environment variable named in the
config's ``secrets:`` list, used anywhere (a URL, an expectation); and a value typed into a password
field that nobody marked. The test site echoes them back into URLs, titles, page text, console
messages and request URLs, so they reach the observations unless frictionaudit masks them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import SiteServer
from hardening import cli, write_project

from frictionaudit.config.models import Config, FillArgs, FillStep, GotoStep, Journey
from frictionaudit.secrets import MASK, Redactor, secret_values

TOKEN = "tok-5f3a9c1e77"  # an API token in the environment, listed under secrets:
TYPED = "Typed-Passw0rd!"  # typed into a password field, marked nowhere
PIN = "pin-4471-x"  # a fill with secret: true


def forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret)}


@pytest.mark.browser
def test_no_secret_in_any_file_or_output_of_a_run(site: SiteServer, tmp_path: Path) -> None:
    config = write_project(
        tmp_path / "project",
        {
            "base_url": site.url,
            "channels": {"desktop": {"viewport": {"width": 1000, "height": 700}}, "mobile": {"device": "Pixel 7"}},
            "secrets": ["API_TOKEN"],
            "timeouts": {"action_seconds": 1},
        },
        {
            "sign-in": {
                "channels": ["desktop"],
                "steps": [
                    "goto: /fault-login.html",
                    {"fill": {"label": "Name", "value": "Ada"}},
                    {"fill": {"label": "Password", "value": TYPED}},
                    {"click": {"role": "button", "name": "Sign in"}},
                    "expect: Thanks, Ada",
                ],
            },
            "token": {
                "steps": [
                    "goto: /fault-echo.html?${API_TOKEN}",
                    {"capture": {"name": "echo", "css": "#echo"}},
                    {"expect": {"text": "You sent ${API_TOKEN}"}},
                    {"expect": {"text": "${API_TOKEN} has expired"}},  # fails: the reason names the text
                ],
            },
            "pin": {
                "channels": ["desktop"],
                "steps": [
                    "goto: /form.html",
                    {"fill": {"label": "Name", "value": PIN, "secret": True}},
                    {"goto": f"/fault-echo.html?{PIN}"},
                ],
            },
        },
    )
    out_dir = tmp_path / "out"
    env = {"API_TOKEN": TOKEN}
    ran = cli(
        "run", "--config", str(config), "--out", str(out_dir), "--run-id", "secrets", "--fail-on", "never", env=env
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    run_dir = out_dir / "secrets"
    assert "blocked" in ran.stdout and MASK in ran.stdout  # the failed expectation is shown, masked
    again = cli("report", str(run_dir), env=env)
    audited = cli("audit", str(run_dir), "--json", "--fail-on", "never", env=env)
    printed = [ran.stdout, ran.stderr, again.stdout, again.stderr, audited.stdout, audited.stderr]
    files = [p for p in tmp_path.rglob("*") if p.is_file() and out_dir in p.parents]
    names = {p.name for p in files}
    assert {"results.json", "report.md", "report.html", "report.json", "junit.xml", "findings.json"} <= names
    assert any(p.suffix == ".jpg" for p in files)
    for secret in (TOKEN, TYPED, PIN):
        for form in forms(secret):
            leaks = [str(p) for p in files if form.encode() in p.read_bytes()]
            assert leaks == [], f"{form!r} is in {leaks}"
            assert not [text for text in printed if form in text], f"{form!r} was printed"
    # The secrets did reach the observations, masked: the protection was needed.
    results = (run_dir / "results.json").read_text(encoding="utf-8")
    assert f"session={MASK}" in results  # the echoed password
    assert f"Echo {MASK}" in results  # the title with the token


# ---------------------------------------------------------------------------- the redactor


def test_redactor_masks_raw_url_encoded_and_clipped_secrets() -> None:
    redactor = Redactor({"hunter2-Sekr3t!"})
    assert redactor.text("pw=hunter2-Sekr3t!&x") == f"pw={MASK}&x"
    assert redactor.text("pw=hunter2-Sekr3t%21") == f"pw={MASK}"
    assert redactor.text("https://x/?q=" + "a" * 20 + "hunter2-Se…") == "https://x/?q=" + "a" * 20 + f"{MASK}…"
    assert redactor.text("nothing here…") == "nothing here…"
    assert redactor.tree({"k hunter2-Sekr3t!": ["hunter2-Sekr3t!", 3, None]}) == {f"k {MASK}": [MASK, 3, None]}


def test_secret_values_from_fills_and_named_variables() -> None:
    journey = Journey(
        id="j",
        name="j",
        steps=[
            GotoStep(goto="/${PAGE}"),
            FillStep(fill=FillArgs(label="Password", value="${PW}", secret=True)),
            FillStep(fill=FillArgs(label="Name", value="Ada")),
        ],
    )
    env = {"PW": "s3cret", "PAGE": "home", "TOKEN": "abcdef", "EMPTY": "", "SHORT": "ab"}
    assert secret_values([journey], env) == {"s3cret"}
    assert secret_values([journey], env, ["TOKEN", "EMPTY", "SHORT", "UNSET"]) == {"s3cret", "abcdef"}
    assert Config(base_url="http://x", secrets=["TOKEN"]).secrets == ["TOKEN"]
