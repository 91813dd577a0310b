"""The gather stage against a real Chromium and the local test site (tests/site/, see conftest.py).

Every test replays a small journey written as YAML (loaded by the real loader) and checks what was
recorded: which step saw which console message, page error, request and navigation; how long a
step took; how a journey gets blocked; what the channels emulate; what is kept out of the results.
One browser serves the whole session; each journey × channel gets its own context.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import LoopThread, Replay, SiteServer, closed_port, make_project

from frictionaudit.gather.runner import GatherPlan, gather, steps_for
from frictionaudit.progress import NullProgress
from frictionaudit.results import SCHEMA_VERSION, JourneyRun, StepResult, load_results
from frictionaudit.secrets import MASK, secret_values

pytestmark = pytest.mark.browser

JPEG_MAGIC = b"\xff\xd8\xff"


def assert_jpeg(run_dir: Path, step: StepResult) -> Path:
    assert step.screenshot, f"step {step.index} has no screenshot"
    path = run_dir / step.screenshot
    assert path.read_bytes()[:3] == JPEG_MAGIC, f"{path} is not a JPEG"
    return path


def quiet(step: StepResult) -> bool:
    return (
        not step.console
        and not step.page_errors
        and not any(r.failure or (r.status or 0) >= 400 for r in step.requests)
    )


# ---------------------------------------------------------------------------- one signal per page


def test_clean_page_records_nothing(replay: Replay, site: SiteServer, tmp_path: Path) -> None:
    hits_before = len(site.hits)
    run = replay(["goto: /clean.html"])
    assert run.status == "completed" and run.reason is None
    [step] = run.steps
    assert step.status == "ok" and step.error is None
    assert step.console == [] and step.page_errors == [] and step.dropped == {}
    [request] = step.requests
    assert request.url == f"{site.url}/clean.html"
    assert (request.status, request.resource_type, request.failure) == (200, "document", None)
    assert request.is_navigation
    assert step.navigations == [f"{site.url}/clean.html"]
    assert step.url == f"{site.url}/clean.html" and step.title == "Clean page"
    assert_jpeg(tmp_path / "run", step)
    # Full Chromium also asks for /favicon.ico (served, so no 404); the headless shell does not.
    assert set(site.hits[hits_before:]) <= {("GET", "/clean.html"), ("GET", "/favicon.ico")}


def test_uncaught_exceptions_land_on_their_step(replay: Replay, site: SiteServer) -> None:
    run = replay(["goto: /exception.html", {"click": {"role": "button", "name": "Break it"}}, "goto: /clean.html"])
    assert run.status == "completed"
    load, click, after = run.steps
    [error] = load.page_errors
    assert error.message == "planted load exception" and error.name == "Error"
    assert error.url == f"{site.url}/exception.html"
    [error] = click.page_errors
    assert error.message == "planted click exception" and error.name == "TypeError"
    assert "exception.html" in error.stack
    assert after.page_errors == [] and quiet(after)


def test_console_error_and_warning(replay: Replay, site: SiteServer) -> None:
    run = replay(["goto: /console.html", "goto: /clean.html"])
    console, after = run.steps
    assert [(m.level, m.text) for m in console.console] == [
        ("error", "planted console error"),
        ("warning", "planted console warning"),
    ]
    assert all(m.url == f"{site.url}/console.html" and isinstance(m.line, int) for m in console.console)
    assert console.page_errors == [] and all(r.status == 200 for r in console.requests)
    assert quiet(after)


def test_missing_image_is_a_404_image_request(replay: Replay, site: SiteServer) -> None:
    [step] = replay(["goto: /missing-image.html"]).steps
    [image] = [r for r in step.requests if r.url.endswith("/no-such-image.png")]
    assert (image.status, image.resource_type, image.failure) == (404, "image", None)
    assert image.duration is not None and not image.is_navigation
    # Chromium reports the 404 in the console too; that is all, no page error.
    assert [m.level for m in step.console] == ["error"] and "404" in step.console[0].text
    assert step.page_errors == []


def test_fetch_500_is_recorded_with_its_resource_type(replay: Replay) -> None:
    run = replay(["goto: /fetch-500.html", "expect: got 500", "goto: /clean.html"])
    assert run.status == "completed"
    load, expect, away = run.steps
    [fetch] = [r for r in load.requests if r.url.endswith("/status/500")]
    assert (fetch.status, fetch.resource_type, fetch.method, fetch.failure) == (500, "fetch", "GET", None)
    # The page never reads the body; leaving the page cancels it. That happens in a later step and
    # must not turn this answered request into a failed one, nor stretch its duration.
    assert fetch.duration is not None and fetch.started + fetch.duration < away.started
    assert [m.text for m in load.console] == [
        "Failed to load resource: the server responded with a status of 500 (Internal Server Error)"
    ]
    assert expect.requests == [] and quiet(away)


def test_connection_refused_script_is_a_failed_request(replay: Replay, site: SiteServer) -> None:
    [step] = replay(["goto: /refused.html"]).steps
    [script] = [r for r in step.requests if r.url.endswith("/gone.js")]
    assert script.url == f"http://127.0.0.1:{site.refused_port}/gone.js"
    assert script.resource_type == "script" and script.status is None
    assert script.failure == "net::ERR_CONNECTION_REFUSED"
    assert step.page_errors == []


def test_slow_navigation_counts_the_wait_but_not_the_quiet_window(replay: Replay) -> None:
    run = replay(["goto: /slow?ms=1500"])
    [step] = run.steps
    assert step.status == "ok" and step.title == "Slow"
    assert 1.5 <= step.duration < 2.2, step.duration
    [document] = step.requests
    assert document.status == 200 and document.duration is not None and document.duration >= 1.5


def test_form_post_and_redirect(replay: Replay, site: SiteServer) -> None:
    run = replay(
        [
            "goto: /form.html",
            {"fill": {"label": "Name", "value": "Ada"}},
            {"click": {"role": "button", "name": "Send"}},
            "expect: Thanks, Ada",
        ]
    )
    assert run.status == "completed", run.reason
    goto, fill, click, expect = run.steps
    assert goto.navigations == [f"{site.url}/form.html"] and fill.navigations == [] and fill.requests == []
    assert click.navigations == [f"{site.url}/thanks?name=Ada"]
    post, thanks = click.requests
    assert (post.method, post.url, post.status, post.is_navigation) == ("POST", f"{site.url}/submit", 303, True)
    assert (thanks.method, thanks.status, thanks.redirected_from) == ("GET", 200, f"{site.url}/submit")
    assert (click.url, click.title) == (f"{site.url}/thanks?name=Ada", "Thanks")
    assert expect.navigations == [] and ("POST", "/submit") in site.hits


def test_redirect_is_one_navigation_and_two_requests(replay: Replay, site: SiteServer) -> None:
    [step] = replay(["goto: /redirect?to=/clean.html"]).steps
    assert step.navigations == [f"{site.url}/clean.html"]
    hop, page = step.requests
    assert (hop.status, hop.url) == (302, f"{site.url}/redirect?to=/clean.html")
    assert (page.status, page.redirected_from) == (200, hop.url)
    assert step.url == f"{site.url}/clean.html"


def test_late_button_is_waited_for(replay: Replay) -> None:
    run = replay(["goto: /late.html", "click: Continue", "expect: Continued"])
    assert run.status == "completed", run.reason
    goto, click, _ = run.steps
    # The button appears 0.7 s after the page loads: the click waited for it instead of failing.
    assert click.started + click.duration - goto.started >= 0.65
    assert click.duration < 3
    assert all(quiet(s) for s in run.steps)


# ---------------------------------------------------------------------------- screenshots


def test_a_step_that_only_looked_at_an_unchanged_page_shares_the_screenshot_before(
    replay: Replay, tmp_path: Path
) -> None:
    run = replay(["goto: /clean.html", "expect: Nothing wrong here", "wait: 0.3", "click: Again", "expect: Again"])
    goto, looked, waited, click, looked_again = run.steps
    assert run.status == "completed", run.reason
    assert looked.screenshot == waited.screenshot == goto.screenshot == "screens/journey/desktop/01.jpg"
    assert click.screenshot == "screens/journey/desktop/04.jpg"  # an action: always its own picture
    assert looked_again.screenshot == click.screenshot
    assert sorted(p.name for p in (tmp_path / "run" / "screens" / "journey" / "desktop").iterdir()) == [
        "01.jpg",
        "04.jpg",
    ]


def test_a_step_that_looked_while_the_page_changed_gets_its_own_screenshot(replay: Replay) -> None:
    # The button arrives 0.7 s after the page loaded: the expect waited for it, and the picture changed.
    run = replay(["goto: /late.html", "expect: Continue", "click: Continue", "expect: Continued"])
    assert run.status == "completed", run.reason
    goto, waited, click, looked = (s.screenshot for s in run.steps)
    assert len({goto, waited, click}) == 3
    assert looked == click  # the click changed the text at once: the last expect saw nothing new


# ---------------------------------------------------------------------------- blocked journeys


def test_missing_element_blocks_with_reason_screenshot_and_skips_the_rest(replay: Replay, tmp_path: Path) -> None:
    run = replay(
        ["goto: /clean.html", "click: No such button", "expect: Nothing", "goto: /console.html"],
        timeouts={"action_seconds": 0.5},
    )
    assert run.status == "blocked" and run.blocked_at == 1
    assert run.reason == 'could not find text "No such button" within 0.5 s'
    goto, click, *later = run.steps
    assert goto.status == "ok"
    assert click.status == "failed" and click.error == run.reason
    assert 0.5 <= click.duration < 1.5, click.duration
    assert_jpeg(tmp_path / "run", click)
    assert [(s.index, s.status, s.screenshot, s.console) for s in later] == [
        (2, "skipped", None, []),
        (3, "skipped", None, []),
    ]
    assert [s.label for s in later] == ['Expect text "Nothing"', "Open /console.html"]


def test_a_long_poll_holds_its_page_only_so_long_and_the_steps_after_it_not_at_all(
    replay: Replay, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frictionaudit.gather import replay as replaying

    monkeypatch.setattr(replaying, "BACKGROUND_SECONDS", 1.5)  # 10 s in real runs
    run = replay(["goto: /long-poll.html", "click: Continue", "expect: Continued"])
    assert run.status == "completed", run.reason
    goto, click, looked = run.steps
    # The page's own time ends with its last answer, not with the poll it left open.
    assert goto.duration < 1.0, goto.duration
    assert [r.status for r in goto.requests if r.url == f"{site.url}/slow?ms=8000"] == [None]
    assert click.duration < 1.0, click.duration  # the poll still open from step 1 did not hold step 2
    assert looked.status == "ok" and run.duration < 6, run.duration  # the server held the poll for 8 s


def test_a_control_under_a_banner_names_the_banner(replay: Replay) -> None:
    log_in = {"click": {"role": "button", "name": "Log in"}}
    run = replay(["goto: /covered.html", log_in], timeouts={"action_seconds": 1, "navigation_seconds": 1})
    assert run.status == "blocked" and run.blocked_at == 1
    covered = 'button "Log in" could not be clicked: <div id="consent-banner" class="cookie-consent"> lay over it'
    assert run.steps[1].first_error == covered
    assert run.reason.startswith(covered)
    # Accepting the banner first is what a customer does: then the journey goes through.
    accept = {"click": {"role": "button", "name": "Accept"}}
    done = replay(["goto: /covered.html", accept, log_in, "expect: Logged in"])
    assert done.status == "completed", done.reason


def test_unreachable_base_url_blocks_at_step_one(replay: Replay, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    run = replay(["goto: /", "click: Anything"], base_url=base)
    assert run.status == "blocked" and run.blocked_at == 0
    assert run.reason == f"could not open {base}/: ERR_CONNECTION_REFUSED"
    first, second = run.steps
    assert first.status == "failed" and second.status == "skipped"
    # A customer tries again: the step was repeated once before the journey was called blocked.
    assert first.first_error == run.reason and not first.retried
    assert [r.failure for r in first.requests] == ["net::ERR_CONNECTION_REFUSED"] * 2


def test_page_that_never_loads_blocks_with_a_timeout(replay: Replay, site: SiteServer, tmp_path: Path) -> None:
    run = replay(["goto: /hang.html", "click: Anything"], timeouts={"navigation_seconds": 1})
    assert run.status == "blocked" and run.blocked_at == 0
    assert run.reason == f"the page {site.url}/hang.html did not finish loading within 1 s"
    first, second = run.steps
    assert 1 <= first.duration < 2.5, first.duration
    assert first.url == f"{site.url}/hang.html"  # it got as far as the page, which never finished
    assert [r.url for r in first.requests if r.status is None] == [f"{site.url}/slow?ms=20000"] * 2  # two tries
    assert second.status == "skipped"
    assert run.duration < 8


def test_journey_timeout_blocks_the_step_that_overran(replay: Replay) -> None:
    run = replay(["goto: /clean.html", "wait: 5", "goto: /console.html"], timeouts={"journey_seconds": 1})
    assert run.status == "blocked" and run.blocked_at == 1
    assert run.reason == "the journey took longer than 1 s"
    assert [s.status for s in run.steps] == ["ok", "failed", "skipped"]
    assert run.duration < 3


# ---------------------------------------------------------------------------- channels


WHOAMI = [
    "goto: /whoami.html",
    {"capture": {"name": "lang", "css": "#lang"}},
    {"capture": {"name": "ua", "css": "#ua"}},
    {"capture": {"name": "width", "css": "#width"}},
    {"capture": {"name": "touch", "css": "#touch"}},
]


def captured(run: JourneyRun) -> dict[str, str]:
    facts: dict[str, str] = {}
    for step in run.steps:
        facts.update(step.captured)
    return facts


def test_channel_only_steps_run_on_their_channel_only(replay: Replay, site: SiteServer, tmp_path: Path) -> None:
    steps = ["goto: /clean.html", {"goto": "/console.html", "channels": ["mobile"]}, "expect: Nothing wrong here"]
    desktop = replay(steps, timeouts={"action_seconds": 1})
    mobile = replay(steps, channel="mobile", timeouts={"action_seconds": 1})
    assert [s.index for s in desktop.steps] == [0, 2] and desktop.status == "completed", desktop.reason
    assert all(quiet(s) for s in desktop.steps)
    assert [s.index for s in mobile.steps] == [0, 1, 2]
    assert mobile.status == "blocked" and mobile.blocked_at == 2  # console.html lacks the text
    assert [m.text for m in mobile.steps[1].console] == ["planted console error", "planted console warning"]
    _, journeys = make_project(tmp_path / "p2", site.url, {"j": {"steps": steps}})
    assert [i for i, _ in steps_for(journeys[0], "desktop")] == [0, 2]


LEGACY_WIDTH = ["goto: /no-viewport-meta.html", {"capture": {"name": "legacy_width", "css": "#width"}}]


def test_mobile_channel_emulates_the_device_and_records_its_user_agent(replay: Replay, devices: dict[str, Any]) -> None:
    run = replay(WHOAMI + LEGACY_WIDTH, channel="mobile")
    assert run.status == "completed", run.reason
    facts = captured(run)
    pixel = devices["Pixel 7"]
    assert run.user_agent == pixel["user_agent"] and "Pixel 7" in run.user_agent
    assert facts["ua"] == run.user_agent  # the page saw the recorded user agent
    assert run.viewport == pixel["viewport"]
    assert facts["width"] == str(pixel["viewport"]["width"])  # is_mobile honours the viewport meta
    assert int(facts["touch"]) > 0
    # Only a mobile browser (is_mobile) lays out a page without a viewport meta ~980 px wide.
    assert int(facts["legacy_width"]) >= 960


def test_desktop_channel_has_no_touch_and_its_viewport(replay: Replay) -> None:
    run = replay(WHOAMI + LEGACY_WIDTH)
    facts = captured(run)
    assert run.viewport == {"width": 1366, "height": 768}
    assert facts["width"] == facts["legacy_width"] == "1366" and facts["touch"] == "0"
    # No user agent set for the channel: the browser's own is recorded, as the page saw it.
    assert run.user_agent == facts["ua"] and "Mobile" not in run.user_agent


def test_locale_is_applied(replay: Replay) -> None:
    assert captured(replay(WHOAMI, channel="norsk"))["lang"] == "nb-NO"


# ---------------------------------------------------------------------------- values in and out


def test_capture_and_env_values(replay: Replay, site: SiteServer) -> None:
    env = {"CUSTOMER": "Ada Lovelace", "FORM": "form"}
    run = replay(
        [
            "goto: /${FORM}.html",
            {"fill": {"label": "Name", "value": "${CUSTOMER}"}},
            {"click": {"role": "button", "name": "Send"}},
            {"capture": {"name": "greeting", "role": "heading"}},
            "expect: Thanks, ${CUSTOMER}",
        ],
        env=env,
    )
    assert run.status == "completed", run.reason
    assert run.steps[0].url == f"{site.url}/form.html"
    assert run.steps[3].captured == {"greeting": "Thanks, Ada Lovelace"}
    assert run.steps[2].url == f"{site.url}/thanks?name=Ada%20Lovelace"


def _pixel(aio: LoopThread, browser: Any, jpeg: Path, x: int, y: int) -> tuple[int, int, int]:
    """The colour at (x, y) of a JPEG, decoded by the browser itself (no imaging library here)."""

    async def decode() -> tuple[int, int, int]:
        page = await browser.new_page()
        try:
            data = "data:image/jpeg;base64," + base64.b64encode(jpeg.read_bytes()).decode("ascii")
            rgb = await page.evaluate(
                """async ([src, x, y]) => {
                    const img = new Image(); img.src = src; await img.decode();
                    const canvas = document.createElement("canvas");
                    canvas.width = img.width; canvas.height = img.height;
                    const ctx = canvas.getContext("2d"); ctx.drawImage(img, 0, 0);
                    return Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
                }""",
                [data, x, y],
            )
            return int(rgb[0]), int(rgb[1]), int(rgb[2])
        finally:
            await page.close()

    return aio.run(decode())


def _magenta(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return r > 200 and g < 80 and b > 200  # Playwright's mask colour, #FF00FF, through JPEG


def test_secret_is_masked_in_screenshots_and_absent_from_the_run_folder(
    aio: LoopThread, shared_browser: Any, site: SiteServer, tmp_path: Path
) -> None:
    secret = "hunter2-Sekr3t"
    env = {"PW": secret}
    config, journeys = make_project(
        tmp_path / "project",
        site.url,
        {
            "sign-up": {
                "channels": ["desktop"],
                "steps": [
                    "goto: /form.html",
                    {"fill": {"label": "Name", "value": "Ada"}},
                    {"fill": {"label": "Password", "value": "${PW}", "secret": True}},
                    {"click": {"role": "button", "name": "Send"}},
                    "expect: Thanks, Ada",
                ],
            }
        },
        env=env,
    )
    plan = GatherPlan(config=config, journeys=journeys, env=env, workers=1, secrets=secret_values(journeys, env))
    run_dir = tmp_path / "run"
    results = aio.run(gather(plan, run_dir, "secret-run"))
    [run] = results.runs
    assert run.status == "completed", run.reason
    # The site echoes the password into the redirect URL: it reached the observations, masked.
    assert run.steps[3].url == f"{site.url}/thanks?name=Ada&session={MASK}"
    text_files = [p for p in run_dir.rglob("*") if p.is_file() and p.suffix != ".jpg"]
    assert text_files, "the run folder has no text files"
    for path in text_files:
        assert secret not in path.read_text(encoding="utf-8", errors="replace"), f"{path} holds the secret"
    # The password field sits at x 20..320, y 120..160 (form.html); its centre is masked after the fill.
    before = run_dir / run.steps[1].screenshot  # type: ignore[operator]
    after_fill = run_dir / run.steps[2].screenshot  # type: ignore[operator]
    assert after_fill.read_bytes()[:3] == JPEG_MAGIC
    assert _magenta(_pixel(aio, shared_browser, after_fill, 170, 140))
    assert not _magenta(_pixel(aio, shared_browser, before, 170, 140))
    assert not _magenta(_pixel(aio, shared_browser, after_fill, 170, 60))  # the name field is not masked


# ---------------------------------------------------------------------------- gather end to end


class RecordingProgress(NullProgress):
    def __init__(self) -> None:
        self.finished: list[str] = []
        self.planned_counts: tuple[int, int] | None = None

    def planned(self, runs: int, steps: int) -> None:
        self.planned_counts = (runs, steps)

    def run_done(self, run_key: str, status: str, skipped_steps: int) -> None:
        self.finished.append(run_key)


def test_gather_two_journeys_on_two_channels(aio: LoopThread, site: SiteServer, tmp_path: Path) -> None:
    config, journeys = make_project(
        tmp_path / "project",
        site.url,
        {
            # Listed first, finishes last: its desktop run waits 1.5 s for the server.
            "slow-one": {
                "channels": ["desktop", "mobile"],
                "steps": [{"goto": "/slow?ms=1500", "channels": ["desktop"]}, "goto: /clean.html"],
            },
            "quick-one": {"channels": ["desktop", "mobile"], "steps": ["goto: /console.html", "expect: Console"]},
        },
    )
    plan = GatherPlan(config=config, journeys=journeys, env={}, workers=2)
    progress = RecordingProgress()
    run_dir = tmp_path / "reports" / "r1"
    results = aio.run(gather(plan, run_dir, "r1", progress))

    expected = ["slow-one@desktop", "slow-one@mobile", "quick-one@desktop", "quick-one@mobile"]
    assert [r.key for r in results.runs] == expected
    assert progress.finished[0] != "slow-one@desktop" and sorted(progress.finished) == sorted(expected)
    assert progress.planned_counts == (4, 7)
    assert all(r.status == "completed" for r in results.runs), [r.reason for r in results.runs]
    assert [len(r.steps) for r in results.runs] == [2, 1, 2, 2]
    assert results.runs[1].user_agent and "Mobile" in results.runs[1].user_agent

    saved = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    assert saved["schema_version"] == SCHEMA_VERSION and saved["run_id"] == "r1"
    loaded, folder = load_results(run_dir)
    assert folder == run_dir and [r.key for r in loaded.runs] == expected
    assert loaded.browser and loaded.base_url == site.url
    assert [(c.name, c.is_mobile) for c in loaded.channels] == [("desktop", False), ("mobile", True)]
    assert [j.id for j in loaded.journeys] == ["slow-one", "quick-one"]
    assert loaded.journeys[1].channels == ["desktop", "mobile"]
    for run in loaded.runs:
        for step in run.steps:
            assert_jpeg(run_dir, step)
    console_step = loaded.runs[2].steps[0]
    assert [m.text for m in console_step.console] == ["planted console error", "planted console warning"]


# ---------------------------------------------------------------------------- second tries


def test_an_error_page_that_works_on_reload_is_a_second_try(replay: Replay, site: SiteServer) -> None:
    key = uuid.uuid4().hex
    run = replay([f"goto: /flaky?key={key}&fail=1", "click: Continue"])
    assert run.status == "completed", run.reason
    first, second = run.steps
    assert first.retried and first.status == "ok"
    assert first.first_error == f"the page answered HTTP 500 (GET {site.url}/flaky?key={key}&fail=1)"
    assert first.first_screenshot and first.first_screenshot.endswith("01-first-try.jpg")
    assert [r.status for r in first.requests if r.is_navigation] == [500, 200]
    assert not second.retried


def test_a_page_that_fails_twice_blocks_the_journey(replay: Replay, site: SiteServer) -> None:
    key = uuid.uuid4().hex
    run = replay([f"goto: /flaky?key={key}&fail=2", "click: Continue"])
    assert run.status == "blocked" and run.blocked_at == 0
    assert run.steps[0].first_error == run.reason
    assert not run.steps[0].retried


def test_a_second_try_on_a_page_that_came_back_the_same_stops_waiting_early(replay: Replay) -> None:
    run = replay(["goto: /clean.html", "click: No such button"], timeouts={"action_seconds": 4})
    assert run.status == "blocked" and run.blocked_at == 1
    click = run.steps[1]
    assert click.first_error == 'could not find text "No such button" within 4 s'
    assert run.reason == click.error == f"{click.first_error}; on the second try the page came back the same"
    assert 1.0 <= click.duration < 3.0, click.duration  # the second try: reopen, then 1 s of the same page
    assert run.duration < 4 + 3.5


def test_a_second_try_on_a_page_that_came_back_different_waits_in_full(replay: Replay, site: SiteServer) -> None:
    key = uuid.uuid4().hex
    run = replay([f"goto: /second-chance?key={key}&ms=1800", "click: Continue"], timeouts={"action_seconds": 2.5})
    assert run.status == "completed", run.reason
    click = run.steps[1]
    assert click.retried and click.first_error == 'could not find text "Continue" within 2.5 s'
    assert 1.8 <= click.duration < 4, click.duration


def test_a_failed_submit_is_repeated_from_the_page_it_started_on(replay: Replay, site: SiteServer) -> None:
    key = uuid.uuid4().hex
    run = replay([f"goto: /flaky-form.html?key={key}", "click: Pay now", "expect: Thanks, paid"])
    assert run.status == "completed", run.reason
    goto, pay, thanks = run.steps
    assert pay.retried and pay.retry_from == 0  # the page began with the goto: it is repeated
    assert "HTTP 500 (POST" in (pay.first_error or "")
    posts = [(r.method, r.status) for r in pay.requests if r.is_navigation and r.method == "POST"]
    assert posts == [("POST", 500), ("POST", 303)]
    assert not goto.retried and not thanks.retried
    assert site.hits.count(("GET", f"/flaky-form.html?key={key}")) == 2  # went back to the form
