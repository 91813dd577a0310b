"""--repeat on saved observations: findings folded across replays, flaky ones marked, J103 flaky steps."""

from __future__ import annotations

from frictionaudit.audit.registry import audit
from frictionaudit.rank import rank
from tests.observations import page_error, results, run, step


def _replay(repeat: int, *steps, **kwargs):
    r = run("pay", "mobile", *steps, **kwargs)
    return r.model_copy(update={"repeat": repeat})


def test_a_finding_in_every_replay_is_one_finding_not_flaky():
    boom = page_error("Cannot read 'x'", name="TypeError")
    saved = results(*(_replay(i, step(0, page_errors=[boom])) for i in range(3)))
    [finding] = [f for f in audit(saved).findings if f.rule == "E101"]
    assert (finding.seen_in, finding.replays, finding.flaky) == (3, 3, False)


def test_a_finding_in_some_replays_is_flaky_and_ranked_once():
    boom = page_error("Cannot read 'x'", name="TypeError")
    saved = results(_replay(0, step(0)), _replay(1, step(0, page_errors=[boom])), _replay(2, step(0)))
    [finding] = [f for f in audit(saved).findings if f.rule == "E101"]
    assert (finding.seen_in, finding.replays, finding.flaky, finding.repeat) == (1, 3, True, 1)
    [fix] = [f for f in rank(audit(saved).findings, saved) if f.rule == "E101"]
    assert len(fix.occurrences) == 1


def test_a_step_that_fails_in_some_replays_is_a_flaky_step():
    ok = [step(0), step(1, label="Log in")]
    retried = [step(0), step(1, label="Log in").model_copy(update={"retried": True, "first_error": "no button"})]
    saved = results(_replay(0, *ok), _replay(1, *retried), _replay(2, *ok))
    [flaky] = [f for f in audit(saved).findings if f.rule == "J103"]
    assert flaky.step == 1 and flaky.repeat == 1
    assert flaky.title == "“Log in” went wrong in 1 of 3 replays on mobile: no button"


def test_a_step_that_fails_in_every_replay_is_not_flaky():
    blocked = [step(0), step(1, label="Log in", status="failed")]
    saved = results(*(_replay(i, *blocked, blocked_at=1, reason="gone") for i in range(2)))
    assert [f for f in audit(saved).findings if f.rule == "J103"] == []
    assert [f.rule for f in audit(saved).findings if f.rule == "J101"] == ["J101"]


def test_without_repeat_nothing_changes():
    boom = page_error("Cannot read 'x'", name="TypeError")
    saved = results(run("pay", "mobile", step(0, page_errors=[boom])), run("pay", "desktop", step(0)))
    [finding] = [f for f in audit(saved).findings if f.rule == "E101"]
    assert (finding.seen_in, finding.replays) == (1, 1)


def test_summaries_show_the_median_time_of_the_replays_with_their_spread():
    from frictionaudit.analysis import analyse
    from frictionaudit.render.markdown import render_markdown

    durations = [1.0, 4.0, 2.0]
    replays = [_replay(i, step(0, duration=d), step(1, duration=1.0)) for i, d in enumerate(durations)]
    blocked = _replay(3, step(0, duration=9.0), step(1, status="failed"), blocked_at=1, reason="no button")
    analysis = analyse(results(*replays, blocked))
    [row] = analysis.summaries()
    assert (row.replays, row.completed_in) == (4, 3)
    assert (row.seconds, row.seconds_min, row.seconds_max) == (4.0, 2.0, 9.5)  # median of 2, 3, 5, 9.5
    assert row.run.status == "blocked" and row.run.repeat == 3  # the replay that went worst is shown
    assert row.seconds_text == "4.0 (2.0–9.5)"
    assert "| 4.0 (2.0–9.5) |" in render_markdown(analysis)
