"""Rule F110 (native dialog or new window) on hand-made observations: no browser."""

from __future__ import annotations

from typing import Any

from observations import results, run, step

from frictionaudit.audit.model import Finding
from frictionaudit.audit.registry import all_rules, audit
from frictionaudit.rank import rank
from frictionaudit.results import ChannelInfo, JourneyRun, RunResults, StepResult


def found(data: RunResults) -> list[Finding]:
    return audit(data, disabled=[c for c in all_rules() if c != "F110"]).findings


def goto(index: int, path: str = "/account", **extra: Any) -> StepResult:
    s = step(index, f"Open {path}", action="goto", path=path)
    s.navigations = [s.url]
    s.extra.update(extra)
    return s


def click(index: int, control: str = 'button "Delete my account"', path: str = "/account", **extra: Any) -> StepResult:
    s = step(index, f"Click {index}", action="click", path=path)
    s.extra["click"] = {"at": 1.0, "control": control, "interactive": True, "observed": 1.0, "new_document": False}
    s.extra.update(extra)
    return s


def dialog(kind: str, message: str, answer: str = "dismissed") -> dict[str, Any]:
    return {"type": kind, "message": message, "answer": answer, "at": 1.01}


def popup(address: str) -> dict[str, Any]:
    return {"url": address, "at": 1.02}


def expect(index: int, **fields: Any) -> StepResult:
    s = step(index, "Expect Deleted", action="expect", path="/account", **fields)
    if s.status == "failed":
        s.first_error = s.error = 'expected to see the text "Deleted", but it is not on the page'
    return s


def with_mobile(data: RunResults, *names: str) -> RunResults:
    data.channels = [
        ChannelInfo(name=c.name, base_url=c.base_url, is_mobile=c.name in names, weight=c.weight) for c in data.channels
    ]
    return data


def summary(findings: list[Finding]) -> list[tuple[str, int | None, str, str]]:
    return [(f.channel, f.step, f.severity, f.root_cause) for f in findings]


# ---------------------------------------------------------------------------- a clean run


def test_silent_on_a_clean_run() -> None:
    data = results(run("delete", "desktop", goto(0), click(1), expect(2)), run("delete", "mobile", goto(0)))
    assert found(data) == []
    # Empty, malformed or unknown records are not findings either.
    odd = goto(0, dialogs=[{"type": "print", "message": "x"}, "alert", None], popups="nope")
    assert found(results(run("delete", "desktop", odd, click(1, dialogs=[]), expect(2)))) == []


# ---------------------------------------------------------------------------- dialogs


def test_a_confirm_is_major_and_says_what_the_replay_answered() -> None:
    data = results(run("delete", "desktop", goto(0), click(1, dialogs=[dialog("confirm", "Are you sure?")]), expect(2)))
    [finding] = found(data)
    assert (finding.rule, finding.category, finding.severity, finding.step) == ("F110", "interaction", "major", 1)
    assert finding.title == "A confirm box on /account asked “Are you sure?”; the replay answered Cancel"
    assert finding.fix_title == "Native confirm() box: “Are you sure?”"
    assert finding.root_cause == "confirm:Are you sure?"
    assert finding.evidence == {
        "kind": "dialog",
        "type": "confirm",
        "message": "Are you sure?",
        "answer": "Cancel",
        "page": "https://shop.test/account",
        "action": "click",
        "control": 'button "Delete my account"',
        "then_step": None,
        "then_error": None,
        "count": 1,
    }


def test_a_prompt_is_major_an_alert_minor() -> None:
    data = results(
        run(
            "delete",
            "desktop",
            goto(0, dialogs=[dialog("alert", "Welcome! Cookies are used on this site.")]),
            click(1, dialogs=[dialog("prompt", "Your name?")]),
            expect(2),
        )
    )
    assert [(f.step, f.severity, f.evidence["type"]) for f in found(data)] == [
        (0, "minor", "alert"),
        (1, "major", "prompt"),
    ]


def test_a_failure_right_after_a_dialog_is_named_and_makes_an_alert_major() -> None:
    confirm = run(
        "delete",
        "desktop",
        goto(0),
        click(1, dialogs=[dialog("confirm", "Are you sure?")]),
        expect(2, status="failed"),
        blocked_at=2,
    )
    [finding] = found(results(confirm))
    assert finding.title.endswith("the replay answered Cancel and step 3 then failed")
    assert (finding.severity, finding.evidence["then_step"]) == ("major", 2)
    assert "Deleted" in finding.evidence["then_error"]

    alert = run(
        "delete", "desktop", goto(0, dialogs=[dialog("alert", "Session expires soon")]), expect(1, status="failed")
    )
    [finding] = found(results(alert))
    assert finding.severity == "major" and finding.title.endswith("; step 2 then failed")

    # A failure on another page is not the dialog's doing.
    elsewhere = run(
        "delete",
        "desktop",
        goto(0, dialogs=[dialog("alert", "Session expires soon")]),
        goto(1, "/help"),
        expect(2, status="failed"),
    )
    [finding] = found(results(elsewhere))
    assert finding.severity == "minor" and finding.evidence["then_step"] is None


def test_one_message_on_several_steps_and_channels_is_one_fix() -> None:
    data = results(
        run("delete", "desktop", goto(0), click(1, dialogs=[dialog("confirm", "Delete 3 invoices?")])),
        run("delete", "mobile", goto(0), click(1, dialogs=[dialog("confirm", "Delete 4 invoices?")])),
        run(
            "close",
            "desktop",
            goto(0, "/close"),
            click(1, path="/close", dialogs=[dialog("confirm", "Delete 3 invoices?")]),
        ),
    )
    findings = found(data)
    assert len(findings) == 3 and len({f.root_cause for f in findings}) == 1
    [fix] = rank(findings, data)
    assert fix.rule == "F110" and fix.places == 3 and fix.channels == ["desktop", "mobile"]
    # ... and another message, or the same text in another kind of box, is another fix.
    data.runs[2].steps[1].extra["dialogs"] = [dialog("alert", "Delete 3 invoices?")]
    assert len(rank(found(data), data)) == 2


def test_a_repeated_dialog_in_one_step_is_one_finding_with_a_count() -> None:
    data = results(run("delete", "desktop", click(0, dialogs=[dialog("alert", "Saved")] * 3)))
    [finding] = found(data)
    assert finding.evidence["count"] == 3


def test_page_text_is_cleaned_and_clipped() -> None:
    message = "Pay\u202enow\x1b[31m <script>x</script> " + "very long " * 100
    [finding] = found(results(run("pay", "desktop", click(0, dialogs=[dialog("confirm", message)]))))
    assert "\u202e" not in finding.title + finding.evidence["message"] + finding.root_cause
    assert "\x1b" not in finding.title + finding.evidence["message"] + finding.root_cause
    assert len(finding.evidence["message"]) <= 300 and len(finding.fix_title) < 120
    assert "“Pay now [31m <script>x</script> very long" in finding.title  # control characters became spaces
    assert finding.root_cause.startswith("confirm:Pay now [Nm <script>")  # numbers folded in the key


# ---------------------------------------------------------------------------- "leave this page?"


def leaving(*earlier: StepResult) -> JourneyRun:
    last = goto(len(earlier), "/home", dialogs=[dialog("beforeunload", "", "accepted")])
    return run("sign-up", "desktop", *earlier, last)


def submit(index: int, *, rejected: bool = False, navigated: bool = True) -> StepResult:
    s = click(index, 'button "Send"', path="/thanks" if navigated else "/form")
    s.extra["forms"] = {
        "submit": {
            "how": "submit",
            "same_doc": not navigated,
            "same_page": not navigated,
            "errors": [{"k": "validation", "t": "Please enter your e-mail"}] if rejected else [],
        }
    }
    if navigated:
        s.navigations = [s.url]
        s.extra["click"]["new_document"] = True
    return s


def fill(index: int) -> StepResult:
    return step(index, "Fill name", action="fill", path="/form")


def test_leave_this_page_after_a_finished_page_is_minor() -> None:
    # Submitted, landed on /thanks, then left it: nothing unsaved there.
    [finding] = found(results(leaving(goto(0, "/form"), fill(1), submit(2))))
    assert (finding.step, finding.severity, finding.root_cause) == (3, "minor", "beforeunload:/thanks")
    assert finding.title == "Leaving /thanks asked “leave this page?” though nothing had been entered on it"
    assert finding.evidence["finished"] == "nothing had been entered on it"
    # A form on a single-page app, sent without a new document, then left.
    [finding] = found(results(leaving(goto(0, "/form"), fill(1), submit(2, navigated=False))))
    assert finding.evidence["finished"] == "the form on it had been submitted"
    # The guard fired on the submit itself.
    on_submit = run("sign-up", "desktop", goto(0, "/form"), fill(1), submit(2))
    on_submit.steps[2].extra["dialogs"] = [dialog("beforeunload", "", "accepted")]
    [finding] = found(results(on_submit))
    assert finding.evidence["finished"] == "the step submitted the form" and finding.step == 2


def test_leave_this_page_guarding_unsent_input_is_not_friction() -> None:
    assert found(results(leaving(goto(0, "/form"), fill(1)))) == []
    assert found(results(leaving(goto(0, "/form"), fill(1), submit(2, navigated=False, rejected=True)))) == []
    assert found(results(leaving(goto(0, "/form"), fill(1), submit(2, navigated=False), fill(3)))) == []
    # The replayer's own reload on a second try is not the journey leaving.
    retried = leaving(goto(0, "/thanks"))
    retried.steps[1].retried = True
    assert found(results(retried)) == []


# ---------------------------------------------------------------------------- popups


def test_popups_by_how_they_opened_and_on_which_channel() -> None:
    def journey(channel: str) -> JourneyRun:
        return run(
            "terms",
            channel,
            goto(0, "/checkout", popups=[popup("https://ads.example/pop")]),
            click(1, 'a "Terms and conditions"', path="/checkout", popups=[popup("https://shop.test/terms?from=1")]),
            click(2, 'button "Pay"', path="/checkout", popups=[popup("https://pay.example/session/8f3a9b2c1d?x=1")]),
        )

    data = with_mobile(results(journey("desktop"), journey("mobile")), "mobile")
    assert summary(found(data)) == [
        ("desktop", 0, "minor", "popup:page:https://ads.example/pop"),
        ("desktop", 1, "cosmetic", "popup:link:/terms"),
        ("desktop", 2, "minor", "popup:script:https://pay.example/session/…"),
        ("mobile", 0, "major", "popup:page:https://ads.example/pop"),
        ("mobile", 1, "minor", "popup:link:/terms"),
        ("mobile", 2, "major", "popup:script:https://pay.example/session/…"),
    ]
    pay = found(data)[5]
    assert (
        pay.title
        == 'button "Pay" on /checkout opened https://pay.example/session/8f3a9b2c1d in a new window on a phone'
    )
    assert pay.fix_title == "A script opens https://pay.example/session/8f3a9b2c1d in a new window"
    assert pay.evidence["popup_url"] == "https://pay.example/session/8f3a9b2c1d?x=1"
    assert (pay.evidence["opened_by"], pay.evidence["mobile"], pay.evidence["control"]) == (
        "script",
        True,
        'button "Pay"',
    )
    fixes = rank(found(data), data)
    assert sorted((f.rule, f.severity, f.places) for f in fixes) == [
        ("F110", "major", 2),
        ("F110", "major", 2),
        ("F110", "minor", 2),
    ]


def test_a_popup_then_a_stuck_journey_is_major() -> None:
    data = results(
        run(
            "pay",
            "desktop",
            goto(0, "/checkout"),
            click(1, 'a "Pay"', path="/checkout", popups=[popup("https://shop.test/pay")]),
            expect(2, status="failed"),
            blocked_at=2,
        )
    )
    [finding] = found(data)
    assert (finding.severity, finding.evidence["then_step"]) == ("major", 2)
    assert finding.title == 'Clicking a "Pay" on /checkout opened /pay in a new tab; step 3 then failed'


def test_a_blank_popup_is_named_by_the_page_that_opened_it_and_the_service_origin_is_left_out() -> None:
    def journey(base: str) -> RunResults:
        s = click(1, 'button "Chat"', path=f"{base}/help")
        s.extra["popups"] = [popup("about:blank"), popup("")]
        data = results(run("help", "desktop", goto(0, f"{base}/help"), s))
        data.base_url = base
        data.channels = [c.model_copy(update={"base_url": base}) for c in data.channels]
        return data

    here = found(journey("http://127.0.0.1:8123"))
    there = found(journey("https://staging.shop.test"))
    assert [f.root_cause for f in here] == [
        "popup:script:about:blank from /help",
        "popup:script:an unknown page from /help",
    ]
    assert [f.fingerprint for f in here] == [f.fingerprint for f in there]
